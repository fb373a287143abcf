// Run it in the page: a Run button under each block that needs only Python (course/steps/run_in_page.py
// marks them data-run="page"), the code editable, its output shown below it. Loaded only on pages
// whose front matter has run_in_page (overrides/main.html); on the playground page it loads
// playground.js too. Material's instant navigation runs this script again on each such page: the
// second time it only sets up the new page's blocks.
//
// The Python runs in run-worker.js, a Web Worker started at the first Run (nothing of the runtime
// is fetched before); Stop, or the time limit, ends it with terminate() and the next Run starts a
// fresh one. Running a block runs the runnable blocks of its chain up to it, in fresh globals, as
// the tests do (course/pytest_pages.py); only the clicked block's output is shown.
(() => {
  const here = document.currentScript.src;
  // The words of the page's language (overrides/main.html writes them; overrides/locales/<lang>.yml).
  const T = JSON.parse(document.getElementById("course-strings").textContent).run;

  if (!window.RunInPage) {
    let worker = null;
    let ready = null;
    let active = null; // {resolve, onOut, timer}

    const start = () => {
      worker = new Worker(new URL("run-worker.js", here), { type: "module" });
      ready = new Promise((resolve, reject) => {
        worker.onerror = (event) => { event.preventDefault(); reject(new Error(event.message || "worker failed")); };
        worker.onmessage = ({ data }) => {
          if (data.ready) { resolve(); return; }
          if (!active) return;
          if (data.out !== undefined) active.onOut(data.out, data.block);
          if (data.done) finish(data);
        };
      });
    };

    const finish = (result) => {
      const job = active;
      active = null;
      clearTimeout(job.timer);
      job.resolve(result);
    };

    const stop = (why) => {
      if (worker) worker.terminate();
      worker = null;
      if (active) finish({ done: true, stopped: why });
    };

    window.RunInPage = {
      limitMs: 10000,
      strings: T,
      // A string with its {placeholders} replaced by the values of the same names.
      fill: (text, values) => text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole)),
      // Run the codes one after another in fresh globals; resolves {error, failed, graph, stopped}.
      run(codes, { graph = false, onOut = () => {} } = {}) {
        if (active) stop("user");
        if (!worker) start();
        return new Promise((resolve) => {
          active = { resolve, onOut, timer: null };
          const job = active;
          // The time limit counts the program's time, from when the runtime is ready (not its download).
          ready.then(() => {
            if (active !== job) return;
            job.timer = setTimeout(() => stop("limit"), this.limitMs);
            worker.postMessage({ codes, graph });
          },
            (err) => { if (active === job) { worker = null; finish({ done: true, error: String(err), failed: -1 }); } });
        });
      },
      stop: () => stop("user"),
      loadStyle() {
        if (document.getElementById("run-in-page-css")) return;
        const link = Object.assign(document.createElement("link"), {
          id: "run-in-page-css", rel: "stylesheet", href: new URL("../stylesheets/run-in-page.css", here).href,
        });
        document.head.append(link);
      },
      button(label, kind) {
        const button = Object.assign(document.createElement("button"), { type: "button", textContent: label });
        button.className = `run-button run-${kind}`;
        return button;
      },
      // What a run ends with, as text: the stop's reason, or the error as the tests show it.
      ending(result, count) {
        if (result.stopped === "limit") return this.fill(T.limit, { seconds: this.limitMs / 1000 });
        if (result.stopped) return T.stopped;
        if (result.error && result.failed >= 0 && result.failed < count - 1) return T.earlier + result.error;
        return result.error || "";
      },
    };
  }
  const R = window.RunInPage;
  R.loadStyle();

  const blocks = [...document.querySelectorAll("div[data-run=page]")];
  blocks.forEach((div, index) => {
    if (div.dataset.runIndex !== undefined) return;
    div.dataset.runIndex = index;
    const code = div.querySelector("code");
    let original = null; // the page's code, highlighted: kept at the first edit, for Reset
    code.addEventListener("beforeinput", () => { if (original === null) original = code.innerHTML; });
    code.setAttribute("contenteditable", "plaintext-only");
    code.setAttribute("role", "textbox");
    code.setAttribute("aria-multiline", "true");
    code.setAttribute("aria-label", T.code);
    code.spellcheck = false;

    const bar = document.createElement("div");
    bar.className = "run-bar";
    bar.dataset.for = index;
    const run = R.button(T.run, "run");
    const stop = R.button(T.stop, "stop");
    const reset = R.button(T.reset, "reset");
    stop.disabled = true;
    bar.append(run, stop, reset);
    const output = document.createElement("div");
    output.className = "run-output";
    output.dataset.for = index;
    output.dataset.state = "idle";
    output.hidden = true;
    output.setAttribute("role", "status");
    output.setAttribute("aria-label", T.output);
    const pre = document.createElement("pre");
    pre.tabIndex = 0;
    pre.dataset.empty = T.nothing; // shown by the style sheet, so that the text stays what ran
    pre.dataset.running = T.loading;
    output.append(pre);
    // Below the checked output, if the block has one, so that the two can be compared.
    div.after(bar);
    const checked = bar.nextElementSibling;
    (checked && checked.matches(".language-text.highlight") ? checked : bar).after(output);

    const go = async () => {
      const chain = blocks.filter((b) => b.dataset.chain === div.dataset.chain && blocks.indexOf(b) <= index);
      const codes = chain.map((b) => b.querySelector("code").textContent);
      output.hidden = false;
      output.dataset.state = "running";
      pre.textContent = "";
      pre.setAttribute("aria-busy", "true");
      stop.disabled = false;
      let printed = "";
      const result = await R.run(codes, {
        onOut: (text, block) => { if (block === codes.length - 1) { printed += text; pre.textContent = printed; } },
      });
      const ending = R.ending(result, codes.length);
      show(printed + (ending ? ending + "\n" : ""), result.stopped ? "stopped" : result.error ? "error" : "done");
      if (result.error && result.failed >= 0 && result.failed < codes.length - 1) {
        chain[result.failed].runShow(result.error + "\n", "error");
      }
      stop.disabled = true;
    };
    const show = (text, state) => {
      output.hidden = false;
      pre.textContent = text;
      output.dataset.state = state;
      pre.removeAttribute("aria-busy");
    };
    div.runShow = show;
    run.addEventListener("click", go);
    stop.addEventListener("click", () => R.stop());
    reset.addEventListener("click", () => {
      if (original !== null) code.innerHTML = original;
      output.hidden = true;
      output.dataset.state = "idle";
      pre.textContent = "";
    });
    code.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); go(); }
    });
  });

  if (document.getElementById("playground-app") && !document.getElementById("playground-js")) {
    const script = Object.assign(document.createElement("script"), { id: "playground-js", src: new URL("playground.js", here).href });
    document.body.append(script);
  } else if (document.getElementById("playground-app") && window.Playground) {
    window.Playground();
  }
})();
