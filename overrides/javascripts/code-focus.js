// With Material's content.lazy (mkdocs.yml), a code block is set up (copy button; keyboard focus if
// it scrolls sideways) only when it comes into view, which keeps long pages quick to load. Keyboard
// users must still reach every block that scrolls sideways, also one they tab past before it was in
// view: each block becomes focusable if it scrolls, as Material would make it.
//
// Whether a block scrolls is a question of layout, and asking it at the wrong moment makes the
// browser lay the page out inside this script: asking every block at load was a long task
// (Lighthouse: 130-270 ms at 4x CPU slowdown), and so was asking, a few at a time, blocks the browser
// had not laid out yet (content-visibility in overrides/stylesheets/course.css; Chromium's trace of
// en/forward-mode at 4x: one slice of 105 ms, 77 of them layout). So the browser tells us: a
// ResizeObserver hears of each block's box right after the browser has laid it out, when reading its
// size costs nothing, and again whenever it changes (drawn after being skipped, an answer opened,
// the screen turned). A block the browser drew is answered on the spot. For one it skipped only the
// box is known: its widest line is counted in characters, a few blocks at a time while the browser
// is idle, and compared with the box; the block is answered exactly once the browser draws it.
// tests/browser/test_browser_reader.py checks every block is reached, guesses included; `make bench`
// (scripts/bench_pages.py) measures the time this takes in one task.
(() => {
  const SLICE_MS = 8;  // of counting at a time: a slowed-down phone may take several times longer
  const whenIdle = window.requestIdleCallback
    ? (run) => requestIdleCallback(run, { timeout: 1000 })
    : (run) => setTimeout(() => run({ didTimeout: true, timeRemaining: () => 0 }), 50);
  // Laid out by the browser: not skipped by content-visibility.
  const drawn = (code) => code.checkVisibility({ contentVisibilityAuto: true });

  // The blocks that can be skipped sit directly in the article (course.css) and share one font and
  // padding: read from one the browser drew, since the style of a skipped one is not computed either.
  let drawnExample = null;
  const blockStyle = (code) => {
    if (drawnExample === null || !drawnExample.isConnected) {
      drawnExample = [...document.querySelectorAll(".md-content__inner > .highlight > pre > code")].find(drawn) ?? null;
    }
    return getComputedStyle(drawnExample ?? code);
  };
  // The width of one character of the code font, measured once per font on a canvas (ASCII only).
  const ruler = document.createElement("canvas").getContext("2d");
  const advances = new Map();
  const advance = (style) => {
    // Not style.font: Chromium gives "" for it here (font-variant-ligatures: none cannot be said in it).
    const font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    if (!advances.has(font)) {
      ruler.font = font;
      advances.set(font, ruler.measureText("0".repeat(100)).width / 100);
    }
    return advances.get(font);
  };
  // The columns a line takes in a monospace font: one per ASCII character, two per other character
  // (a Chinese one takes two; no other character of ours is wider), eight per tab. Counted, not
  // measured: measuring Chinese text on a canvas was slow (Chromium at 4x: 11-15 ms for the first
  // character, a slice of 50-75 ms on nan-gradients/).
  const columns = (line) => {
    let count = 0;
    for (const character of line) count += character === "\t" ? 8 : character.charCodeAt(0) < 128 ? 1 : 2;
    return count;
  };
  // A guess for a block the browser skipped, from the width of its box. It errs towards scrolling (two
  // columns per Chinese character, lines within 2 px of the edge): a block that gets focus it does
  // not need costs a Tab stop until it is drawn, one that misses it cannot be reached by keyboard.
  const wouldScroll = (code, boxWidth) => {
    const style = blockStyle(code);
    const widest = advance(style) * Math.max(...code.textContent.split("\n").map(columns));
    return widest > boxWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 2;
  };

  // Focus is only ever taken back from a block this script made focusable on a guess, and never from
  // the block the reader is on.
  const guessedFocusable = new WeakSet();
  // Material takes focus away from every block it sets up on a screen with no hover (a phone), also
  // from one that scrolls: given back here, for a reader with a keyboard on a tablet or phone.
  const scrollsNow = new WeakMap();
  const keeper = new MutationObserver((records) => {
    for (const { target: code } of records) {
      if (!code.hasAttribute("tabindex") && scrollsNow.get(code)) code.tabIndex = 0;
    }
  });
  const answer = (code, scrolls, guess) => {
    scrollsNow.set(code, scrolls);
    if (guess) code.dataset.codeFocusGuess = "";
    else delete code.dataset.codeFocusGuess;
    if (scrolls && !code.hasAttribute("tabindex")) {
      code.tabIndex = 0;
      if (guess) guessedFocusable.add(code);
    } else if (!scrolls && guessedFocusable.has(code) && document.activeElement !== code) {
      code.removeAttribute("tabindex");
      guessedFocusable.delete(code);
    }
  };

  // <html data-code-focus="pending|done">: whether blocks are still waiting for an answer (the
  // browser tests wait for "done" before their accessibility checks).
  // The observer reports every block it was given in its first call, in the next frame (a block
  // removed from the page before that, as the playground's examples, is not reported at all).
  let heard = false;
  const toCount = new Map();  // skipped block -> width of its box
  const state = () => {
    document.documentElement.dataset.codeFocus = !heard || toCount.size > 0 ? "pending" : "done";
  };
  let counting = false;
  const count = (deadline) => {
    // A page that is never idle still gets there: after a second's wait, a slice runs anyway.
    const until = performance.now() + (deadline.didTimeout ? SLICE_MS : Math.min(deadline.timeRemaining(), SLICE_MS));
    for (const [code, boxWidth] of toCount) {
      if (performance.now() >= until) break;
      toCount.delete(code);
      if (code.isConnected) answer(code, wouldScroll(code, boxWidth), true);
    }
    counting = toCount.size > 0;
    if (counting) whenIdle(count);
    state();
  };

  const observer = new ResizeObserver((entries) => {
    // Right after layout: reading sizes here lays nothing out. All the reading first, then the
    // writing, so that no write makes the browser lay the page out again for the next read.
    const answers = [];
    for (const entry of entries) {
      const code = entry.target.querySelector(":scope > pre > code");
      toCount.delete(code);
      // No box: in a closed answer. The observer reports it again when the answer opens.
      if (code === null || entry.contentRect.width === 0) continue;
      if (drawn(code)) answers.push([code, code.scrollWidth > code.clientWidth]);
      else toCount.set(code, entry.contentRect.width);
    }
    for (const [code, scrolls] of answers) answer(code, scrolls, false);
    heard = true;
    if (toCount.size > 0 && !counting) {
      counting = true;
      whenIdle(count);
    }
    state();
  });
  // Every page, also after Material's instant navigation: the boxes of the page's code blocks.
  document$.subscribe(() => {
    observer.disconnect();
    keeper.disconnect();
    toCount.clear();
    const blocks = [...document.querySelectorAll(".highlight > pre > code")];
    for (const code of blocks) {
      observer.observe(code.parentElement.parentElement);
      keeper.observe(code, { attributes: true, attributeFilter: ["tabindex"] });
    }
    heard = blocks.length === 0;
    // The observer reports in the next frame, before this timer; if every block left the page by
    // then, there is nothing to wait for.
    requestAnimationFrame(() => setTimeout(() => { heard = true; state(); }));
    state();
  });
})();
