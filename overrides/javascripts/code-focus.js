// With Material's content.lazy (mkdocs.yml), a code block is set up (copy button; keyboard focus if
// it scrolls sideways) only when it comes into view, which keeps long pages quick to load. Keyboard
// users must still reach every block that scrolls sideways, also one they tab past before it was in
// view: each block not set up yet becomes focusable if it scrolls, as Material would make it.
//
// Whether a block scrolls is a question of layout, and blocks far from the screen are not laid out
// (content-visibility in overrides/stylesheets/course.css): asking about all of them at once made the
// browser lay them all out in one go, a long task at load (Lighthouse: 130-270 ms at 4x CPU slowdown).
// So blocks are asked about a few at a time, while the browser is idle; those of an answer
// (<details>) when it opens. tests/browser/test_browser_reader.py checks every block is reached;
// `make bench` (scripts/bench_pages.py) measures the time this takes in one task.
(() => {
  const SLICE_MS = 8;  // of reading at a time: a slowed-down phone may take several times longer
  const whenIdle = window.requestIdleCallback
    ? (run) => requestIdleCallback(run, { timeout: 1000 })
    : (run) => setTimeout(() => run({ didTimeout: true, timeRemaining: () => 0 }), 50);
  // Not the blocks of a closed answer: measuring one made the browser lay out the whole hidden answer
  // (up to 300 ms at 4x CPU slowdown); they are measured when it opens.
  const scrolls = (code) => code.isConnected && !code.hasAttribute("tabindex") && code.checkVisibility()
    && code.scrollWidth > code.clientWidth;
  // <html data-code-focus="pending|done">: whether blocks are still waiting to be asked about (the
  // browser tests wait for "done" before their accessibility checks).
  let unfinished = 0;
  const state = () => { document.documentElement.dataset.codeFocus = unfinished > 0 ? "pending" : "done"; };
  const inTurn = (blocks) => {
    const waiting = [...blocks];
    unfinished += 1;
    state();
    const next = (deadline) => {
      // All the reading first, then the writing: a write between two reads would make the browser
      // lay the page out again for the second one.
      const found = [];
      // A page that is never idle still gets there: after a second's wait, a slice runs anyway.
      const until = performance.now() + (deadline.didTimeout ? SLICE_MS : Math.min(deadline.timeRemaining(), SLICE_MS));
      while (waiting.length > 0 && performance.now() < until) {
        const code = waiting.shift();
        if (scrolls(code)) found.push(code);
      }
      for (const code of found) code.tabIndex = 0;
      if (waiting.length > 0) {
        whenIdle(next);
      } else {
        unfinished -= 1;
        state();
      }
    };
    whenIdle(next);
  };
  const blocksIn = (root) => root.querySelectorAll("pre > code:not([tabindex])");
  document$.subscribe(() => inTurn(blocksIn(document)));
  document.addEventListener("toggle", (event) => {
    if (event.target.open) inTurn(blocksIn(event.target));
  }, true);
})();
