// The autograd playground (docs/<lang>/playground.md), loaded by run-in-page.js when the page has
// a #playground. The page's first block is the engine (engine.py, included by the build), the others
// are the starting examples (course/steps/run_in_page.py marks them data-run="engine" / "example"). A run
// is the engine block, then the reader's code, in fresh globals; the worker then describes the graph
// of `out` from the engine's own nodes (_parents, _local_grads), drawn here as SVG, with a list of
// the same nodes and edges for screen readers.
(() => {
  // The words of the page's language, the stepper's among them (overrides/main.html writes them;
  // overrides/locales/<lang>.yml).
  const T = JSON.parse(document.getElementById("course-strings").textContent).playground;

  const R = window.RunInPage;
  const S = R.strings;
  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };
  const SVG = "http://www.w3.org/2000/svg";
  const svg = (tag, attributes = {}, text) => {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const short = (x) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4))));

  const setup = () => {
    const root = document.getElementById("playground-app");
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    const engine = document.querySelector("div[data-run=engine] code").textContent;
    const examples = [...document.querySelectorAll("div[data-run=example]")];
    const textarea = el("textarea", { id: "playground-code", rows: 10, spellcheck: false });
    textarea.value = examples[0].querySelector("code").textContent;
    let example = 0;
    const run = R.button(S.run, "run");
    const stop = R.button(S.stop, "stop");
    const reset = R.button(T.reset, "reset");
    stop.disabled = true;
    const result = el("div", { className: "playground-result" });
    result.dataset.state = "idle";
    result.setAttribute("role", "status");
    root.replaceChildren(
      el("label", { htmlFor: "playground-code" }, T.code), textarea,
      el("div", { className: "run-bar" }, run, stop, reset), result);

    const go = async () => {
      result.dataset.state = "running";
      result.setAttribute("aria-busy", "true");
      result.replaceChildren(el("p", {}, S.loading));
      stop.disabled = false;
      let printed = "";
      const answer = await R.run([engine, textarea.value], { graph: true, onOut: (text) => { printed += text; } });
      stop.disabled = true;
      result.removeAttribute("aria-busy");
      const ending = R.ending(answer, 2);
      result.replaceChildren();
      if (answer.graph) show(answer.graph);
      if (printed || ending) {
        const pre = el("pre", { tabIndex: 0 }, printed + (ending ? ending + "\n" : ""));
        result.append(el("p", { className: "playground-heading" }, T.printed), pre);
      }
      result.dataset.state = answer.stopped ? "stopped" : answer.error ? "error" : "done";
    };

    const show = (graph) => {
      result.dataset.out = graph.out;
      result.append(el("p", {}, `${T.result}: out.data = ${graph.out}`));
      const table = el("table", {}, el("caption", {}, T.inputs),
        el("thead", {}, el("tr", {}, ...[T.name, T.value, T.grad].map((h) => el("th", { scope: "col" }, h)))));
      const body = el("tbody");
      graph.nodes.forEach((node, i) => {
        if (!node.leaf) return;
        const cell = el("td", {}, String(node.grad));
        cell.dataset.grad = node.grad;
        body.append(el("tr", {}, el("th", { scope: "row" }, node.name || `${T.node} ${i + 1}`), el("td", {}, String(node.data)), cell));
      });
      table.append(body);
      result.append(table, draw(graph));
      // The stepper's place, kept from the start (overrides/stylesheets/run-in-page.css): it opens in it.
      const box = el("div", { className: "stepper-box" });
      if (graph.steps) {
        const start = R.button(T.stepper, "steps stepper-start");
        start.addEventListener("click", () => window.StepperLoad().then(() => window.Stepper.open(box, graph)));
        box.append(start);
      } else box.append(el("p", {}, T.stepperNone));
      result.append(el("div", { className: "stepper" }, box));
    };

    // Layers by depth (leaves at 0, every node one right of its deepest input), drawn left to right.
    const draw = (graph) => {
      const nodes = graph.nodes.slice(0, 200);
      const edges = graph.edges.filter((e) => e.to < nodes.length && e.from < nodes.length);
      const depth = nodes.map(() => 0);
      for (const e of edges) depth[e.to] = Math.max(depth[e.to], depth[e.from] + 1); // topological order
      const rows = [];
      const place = nodes.map((_, i) => {
        const row = rows[depth[i]] = (rows[depth[i]] || 0) + 1;
        return { x: 10 + depth[i] * 190, y: 10 + (row - 1) * 64 };
      });
      const W = 140, H = 44;
      const picture = svg("svg", {
        class: "playground-graph", "aria-hidden": "true",
        width: 20 + (Math.max(...depth) + 1) * 190 - 50, height: 20 + Math.max(...rows) * 64 - 20,
      });
      const defs = svg("defs");
      const marker = svg("marker", { id: "playground-arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
      marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }));
      defs.append(marker);
      picture.append(defs);
      for (const e of edges) {
        const a = place[e.from], b = place[e.to];
        const [x1, y1, x2, y2] = [a.x + W, a.y + H / 2, b.x, b.y + H / 2];
        const g = svg("g", { class: "edge" });
        g.append(svg("line", { x1, y1, x2, y2, "marker-end": "url(#playground-arrow)" }),
          svg("text", { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, "text-anchor": "middle" }, short(e.local)));
        picture.append(g);
      }
      nodes.forEach((node, i) => {
        const { x, y } = place[i];
        const g = svg("g", { class: `node${node.leaf ? " leaf" : ""}${i === graph.nodes.length - 1 ? " out" : ""}` });
        g.append(svg("rect", { x, y, width: W, height: H, rx: 6 }),
          svg("text", { x: x + W / 2, y: y + 17, "text-anchor": "middle", class: "op" },
            [node.name, node.op].filter(Boolean).join("  ") || T.leaf),
          svg("text", { x: x + W / 2, y: y + 35, "text-anchor": "middle" }, `v ${short(node.data)}  g ${short(node.grad)}`));
        picture.append(g);
      });
      const list = el("ol", { className: "playground-nodes run-sr-only" });
      nodes.forEach((node, i) => {
        const incoming = edges.filter((e) => e.to === i)
          .map((e) => `${T.node} ${e.from + 1} (${T.local} ${e.local})`).join(", ");
        list.append(el("li", {}, `${T.node} ${i + 1}: ${[node.name, node.op || T.leaf].filter(Boolean).join(", ")}; `
          + `${T.value} ${node.data}, ${T.grad} ${node.grad}` + (incoming ? `; ${T.from} ${incoming}` : "")));
      });
      const figure = el("figure", { className: "playground-figure" },
        el("figcaption", {}, R.fill(T.graph, { nodes: graph.nodes.length, edges: graph.edges.length })
          + (graph.nodes.length > nodes.length ? " " + R.fill(T.big, { nodes: graph.nodes.length }) : "")));
      const scroller = el("div", { className: "playground-scroll", tabIndex: 0 }, picture);
      scroller.setAttribute("role", "group");
      scroller.setAttribute("aria-label", R.fill(T.graph, { nodes: graph.nodes.length, edges: graph.edges.length }));
      figure.append(scroller, list);
      return figure;
    };

    run.addEventListener("click", go);
    stop.addEventListener("click", () => R.stop());
    reset.addEventListener("click", () => { textarea.value = examples[example].querySelector("code").textContent; });
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); go(); }
    });
    examples.forEach((div, index) => {
      const open = R.button(T.open, "example");
      open.dataset.for = index;
      open.addEventListener("click", () => {
        example = index;
        textarea.value = div.querySelector("code").textContent;
        root.scrollIntoView({ block: "start" });
        textarea.focus({ preventScroll: true });
      });
      div.after(el("div", { className: "run-bar" }, open));
    });
  };
  window.Playground = setup;
  setup();
})();
