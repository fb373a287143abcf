// Starts the stepper (stepper.js) when the reader asks for it: the only part of it loaded with the
// page, on pages that have one (overrides/main.html). A course page's stepper (course/steps/stepper.py)
// carries the chapter's example; the Start button loads the engine (runtime/engine.py), run-in-page.js
// (the worker) and stepper.js with its style, then runs the engine and the example in the worker and
// opens the stepper in the place kept for it. The playground
// (playground.js) calls StepperLoad itself, with the graph of the reader's run.
(() => {
  if (window.StepperLoad) return; // Material's instant navigation runs this again on each page
  const here = document.currentScript.src;
  const load = (name, present) => (present() ? Promise.resolve() : new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src: new URL(name, here).href });
    script.onload = resolve;
    script.onerror = reject;
    document.body.append(script);
  }));
  let loading = null;
  window.StepperLoad = () => loading || (loading = (async () => {
    const style = new Promise((resolve) => {
      const link = Object.assign(document.createElement("link"), {
        rel: "stylesheet", href: new URL("../stylesheets/stepper.css", here).href, onload: resolve, onerror: resolve,
      });
      document.head.append(link);
    });
    await load("run-in-page.js", () => window.RunInPage);
    await load("stepper.js", () => window.Stepper);
    await style;
  })());
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".stepper[data-example] .stepper-start");
    if (!button || button.getAttribute("aria-disabled")) return;
    button.setAttribute("aria-disabled", "true");
    const root = button.closest(".stepper");
    const engine = fetch(new URL("../runtime/engine.py", here)).then((answer) => {
      if (!answer.ok) throw new Error(`runtime/engine.py: ${answer.status}`);
      return answer.text();
    });
    const example = root.querySelector(".stepper-code code").textContent;
    Promise.all([engine, window.StepperLoad()])
      .then(([code]) => window.Stepper.run(root.querySelector(".stepper-box"), [code, example]))
      .catch((error) => { button.removeAttribute("aria-disabled"); throw error; }); // offline: try again later
  });
})();
