// With Material's content.lazy (mkdocs.yml), a code block is set up (copy button; keyboard focus if
// it scrolls sideways) only when it comes into view, which keeps long pages quick to load. Keyboard
// users must still reach every block that scrolls sideways: once the page has been laid out (after
// the next frame, so reading widths costs no extra layout), each such block not set up yet becomes
// focusable, as Material would make it; so do the blocks of an answer (<details>) when it opens.
(() => {
  const afterLayout = (run) => requestAnimationFrame(() => setTimeout(run));
  const focusable = (root) => {
    for (const code of root.querySelectorAll("pre > code:not([tabindex])")) {
      if (code.scrollWidth > code.clientWidth) code.tabIndex = 0;
    }
  };
  document$.subscribe(() => afterLayout(() => focusable(document)));
  document.addEventListener("toggle", (event) => {
    if (event.target.open) afterLayout(() => focusable(event.target));
  }, true);
})();
