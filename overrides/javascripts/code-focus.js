// With Material's content.lazy (mkdocs.yml), a code block is set up (copy button; keyboard focus if
// it scrolls sideways) only when it comes into view, which keeps long pages quick to load. Keyboard
// users must still reach every block that scrolls sideways, also one they tab past before it was in
// view: each block not set up yet becomes focusable if it scrolls, as Material would make it.
//
// Whether a block scrolls is a question of layout. Asking about all blocks at once was a long task at
// load (Lighthouse: 130-270 ms at 4x CPU slowdown), so blocks are asked about a few at a time, while
// the browser is idle; those of an answer (<details>) when it opens.
// Blocks far from the screen are not laid out (content-visibility in overrides/stylesheets/course.css),
// and asking one of them made the browser lay it out inside this script (Chromium's trace of
// en/forward-mode at 4x: one slice of 105 ms, 77 of them layout). Such a block is not asked: the width
// of its widest line is measured on a canvas and compared with the width of its box, neither of
// which lays out what is inside. When the browser draws the block, the guess gives way to the answer.
// tests/browser/test_browser_reader.py checks every block is reached, guesses included; `make bench`
// (scripts/bench_pages.py) measures the time this takes in one task.
(() => {
  const SLICE_MS = 8;  // of reading at a time: a slowed-down phone may take several times longer
  const whenIdle = window.requestIdleCallback
    ? (run) => requestIdleCallback(run, { timeout: 1000 })
    : (run) => setTimeout(() => run({ didTimeout: true, timeRemaining: () => 0 }), 50);
  // Laid out by the browser: not skipped by content-visibility (and not in a closed answer).
  const drawn = (code) => code.checkVisibility({ contentVisibilityAuto: true });
  const ruler = document.createElement("canvas").getContext("2d");
  // The blocks that can be skipped sit directly in the article (course.css) and share one font and
  // padding: read from one the browser drew, since the style of a skipped one is not computed either.
  let drawnExample = null;
  const blockStyle = (code) => {
    if (drawnExample === null || !drawnExample.isConnected) {
      drawnExample = [...document.querySelectorAll(".md-content__inner > .highlight > pre > code")].find(drawn) ?? null;
    }
    return getComputedStyle(drawnExample ?? code);
  };
  // A guess for a block the browser skipped: its widest line, measured in its font on a canvas,
  // against the room its box leaves for text (the box's own size needs no layout of its content).
  // Lines within 2 px of the edge count as scrolling: a block that gets focus it does not need costs a
  // Tab stop, one that misses it cannot be reached by keyboard.
  const wouldScroll = (code) => {
    const style = blockStyle(code);
    // Not style.font: Chromium gives "" for it here (font-variant-ligatures: none cannot be said in it).
    ruler.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const widest = Math.max(...code.textContent.split("\n").map((line) => ruler.measureText(line).width));
    const room = code.closest(".highlight").clientWidth
      - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return widest > room - 2;
  };
  // "yes", "no", "guess yes", "guess no"; not the blocks of a closed answer: measuring one made the
  // browser lay out the whole hidden answer (up to 300 ms at 4x CPU slowdown), they are asked about
  // when it opens.
  const scrolls = (code) => {
    if (!code.checkVisibility()) return "no";
    if (drawn(code)) return code.scrollWidth > code.clientWidth ? "yes" : "no";
    return wouldScroll(code) ? "guess yes" : "guess no";
  };
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
      const answers = [];
      // A page that is never idle still gets there: after a second's wait, a slice runs anyway.
      const until = performance.now() + (deadline.didTimeout ? SLICE_MS : Math.min(deadline.timeRemaining(), SLICE_MS));
      while (waiting.length > 0 && performance.now() < until) {
        const code = waiting.shift();
        if (code.isConnected && !code.hasAttribute("tabindex")) answers.push([code, scrolls(code)]);
      }
      for (const [code, answer] of answers) {
        if (answer.endsWith("yes")) code.tabIndex = 0;
        // Asked again when the browser draws the block.
        if (answer.startsWith("guess")) code.dataset.codeFocusGuess = "";
      }
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
  // Fired on a block's box when the browser starts or stops skipping it (it does not bubble): a drawn
  // block replaces the guess with the answer, when the browser is next idle. Focus is never taken
  // from the block the reader is on (tabbing to a block is one way it gets drawn).
  document.addEventListener("contentvisibilityautostatechange", (event) => {
    const code = event.target.querySelector("pre > code[data-code-focus-guess]");
    if (event.skipped || code === null) return;
    delete code.dataset.codeFocusGuess;
    whenIdle(() => {
      if (!code.isConnected || !drawn(code)) return;
      if (code.scrollWidth > code.clientWidth) code.tabIndex = 0;
      else if (document.activeElement !== code) code.removeAttribute("tabindex");
    });
  }, true);
})();
