// The stepper: a graph's forward pass, then its backward pass, one step at a time (issue #27).
// Loaded by stepper-start.js when the reader starts it, on the playground (the graph of the reader's
// run) and on the course pages that have one (course/steps/stepper.py: the chapter's example).
//
// Every number comes from the engine, run in the worker (run-worker.js): the nodes in topological
// order (the order of the forward steps: each node after its inputs) with their values, and the
// backward pass as the engine's backward_steps (engine.py) recorded it, one step per edge, in the
// order backward() walks them: upstream gradient, local derivative, their product and the parent's
// grad after adding it. Nothing is computed here; the sums "b.grad = 12 + 4 = 16" are the
// engine's contributions, joined, and the engine's grad after the last of them.
//
// The layout is our own, not a library's (dagre is about 10 times this file, gzip): the graph comes
// already in topological order, so layers by longest path from the leaves and one barycentre pass
// to order each layer keep inputs on the left and the output on the right, with few crossings.
// An edge across layers bends around the nodes between (no dummy nodes: a curve raised until it
// misses them). An edge's label stands in the gap just right of its source's column, where no node
// is, on a background of the page's colour drawn over every line, so no edge hides it; labels in
// one gap are moved apart so that none covers another. Its words are the playground's, which
// overrides/main.html writes into the page (overrides/locales/<lang>.yml).
(() => {
  const T = JSON.parse(document.getElementById("course-strings").textContent).playground;
  const R = window.RunInPage;
  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };
  const svg = (tag, attributes = {}, text) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const digits = (p) => (x) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(p))));
  const num = digits(6); // in the announced text
  const short = digits(4); // in the drawing
  const term = (f) => (x) => (x < 0 ? `(${f(x)})` : f(x));
  const MAX_DRAWN = 200;
  const CHAR = 7.3; // px per character of the 12 px monospace font (11 px edge labels: 6.7)

  const open = (box, graph) => {
    const { nodes, edges, steps } = graph;
    const N = nodes.length;
    const total = N + 1 + steps.length;
    const name = (i) => nodes[i].name || `n${i + 1}`;
    // Each step's edge: a node's k-th step is its k-th parent, in the order of graph.edges.
    const incoming = nodes.map(() => []);
    edges.forEach((e, j) => incoming[e.to].push(j));
    const taken = nodes.map(() => 0);
    const stepEdge = steps.map((s) => incoming[s.node][taken[s.node]++]);
    // Each step's sum: the contributions its parent has received so far, joined, then the engine's grad.
    function sumOf(j, f) { // the terms of steps[0..j] into steps[j].parent, then the engine's grad
      const parent = steps[j].parent;
      const parts = steps.slice(0, j + 1).filter((s) => s.parent === parent).map((s) => term(f)(s.contribution));
      return parts.length === 1 ? f(steps[j].grad) : `${parts.join(" + ")} = ${f(steps[j].grad)}`;
    }

    const text = (at) => {
      if (at === 0) return T.start;
      if (at <= N) {
        const node = nodes[at - 1];
        return node.leaf
          ? R.fill(T.input, { node: name(at - 1), value: num(node.data) })
          : R.fill(T.computed, { node: name(at - 1), op: node.op, value: num(node.data) });
      }
      if (at === N + 1) return R.fill(T.seed, { node: name(N - 1) }) + (at === total ? T.end : "");
      const j = at - N - 2;
      const s = steps[j];
      return R.fill(T.step, {
        node: name(s.node), upstream: num(s.upstream), local: num(s.local),
        contribution: num(s.contribution), parent: name(s.parent), sum: sumOf(j, num),
      })
        + (at === total ? T.end : "");
    };

    // Layout: layers by longest path (the graph is in topological order), each layer ordered by the
    // mean row of its inputs; the layers centred on each other.
    const drawn = Math.min(N, MAX_DRAWN);
    const drawnEdges = edges.map((e, j) => j).filter((j) => edges[j].to < drawn);
    const depth = nodes.slice(0, drawn).map(() => 0);
    for (const j of drawnEdges) depth[edges[j].to] = Math.max(depth[edges[j].to], depth[edges[j].from] + 1);
    const layers = [];
    depth.forEach((d, i) => (layers[d] = layers[d] || []).push(i));
    const row = [];
    for (const layer of layers) {
      const mean = (i) => {
        const from = incoming[i].map((j) => row[edges[j].from]);
        return from.length ? from.reduce((a, b) => a + b, 0) / from.length : i;
      };
      layer.sort((a, b) => mean(a) - mean(b)).forEach((i, r) => { row[i] = r; });
    }
    const rows = Math.max(...layers.map((l) => l.length));
    const H = 58, GAP_Y = 18;
    const finalSum = nodes.map((_, i) => {
      const j = steps.map((s) => s.parent).lastIndexOf(i);
      return j < 0 ? (i === N - 1 ? "1" : "0") : sumOf(j, short);
    });
    const lines = (i, g) => [`${name(i)}  ${nodes[i].op || T.leaf}`, `v = ${short(nodes[i].data)}`, `g = ${g}`];
    const width = layers.map((l) => Math.max(...l.map((i) => Math.max(...lines(i, finalSum[i]).map((t) => t.length + 2)))) * CHAR + 16);
    const edgeLabel = (j, s) => (s ? `${short(s.upstream)} × ${short(s.local)} = ${short(s.contribution)}` : short(edges[j].local));
    const stepOfEdge = [];
    stepEdge.forEach((j, k) => { stepOfEdge[j] = k; });
    const gap = layers.map((_, d) => Math.max(64, ...drawnEdges.filter((j) => depth[edges[j].from] === d)
      .map((j) => edgeLabel(j, steps[stepOfEdge[j]]).length * 6.7 + 28)));
    const x = [10];
    layers.forEach((_, d) => x.push(x[d] + width[d] + gap[d]));
    const place = (i) => ({
      x: x[depth[i]], w: width[depth[i]],
      y: 10 + (row[i] + (rows - layers[depth[i]].length) / 2) * (H + GAP_Y),
    });
    const picture = svg("svg", {
      class: "stepper-graph", "aria-hidden": "true",
      width: x[layers.length - 1] + width[layers.length - 1] + 10, height: 20 + rows * (H + GAP_Y) - GAP_Y,
    });
    const marker = svg("marker", { id: "stepper-arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto" });
    marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }));
    const defs = svg("defs");
    defs.append(marker);
    const lineLayer = svg("g"), labelLayer = svg("g"), nodeLayer = svg("g");
    picture.append(defs, lineLayer, labelLayer, nodeLayer);
    const edgeParts = [];
    const labelsByGap = layers.map(() => []);
    const boxes = nodes.slice(0, drawn).map((_, i) => ({ ...place(i), d: depth[i] }));
    // An edge across layers bends over (or under) the nodes in between: a cubic curve, raised until
    // no point of it falls in a box of the layers it crosses.
    const route = (x1, y1, x2, y2, from, to) => {
      const inside = boxes.filter((b) => b.d > depth[from] && b.d < depth[to]);
      const at = (t, cy) => {
        const u = 1 - t;
        return [u ** 3 * x1 + 3 * u * u * t * (x1 + (x2 - x1) / 3) + 3 * u * t * t * (x2 - (x2 - x1) / 3) + t ** 3 * x2,
          u ** 3 * y1 + 3 * u * t * (u + t) * cy + t ** 3 * y2];
      };
      const hits = (cy) => [...Array(41).keys()].some((k) => {
        const [px, py] = at(k / 40, cy);
        return inside.some((b) => px >= b.x - 4 && px <= b.x + b.w + 4 && py >= b.y - 6 && py <= b.y + H + 6);
      });
      let cy = (y1 + y2) / 2;
      for (let k = 1; hits(cy) && k < 40; k++) cy = (y1 + y2) / 2 + (k % 2 ? -1 : 1) * Math.ceil(k / 2) * 16;
      return { d: `M${x1},${y1} C${x1 + (x2 - x1) / 3},${cy} ${x2 - (x2 - x1) / 3},${cy} ${x2},${y2}`, at: (x) => {
        let lo = 0, hi = 1;
        for (let k = 0; k < 30; k++) { const mid = (lo + hi) / 2; if (at(mid, cy)[0] < x) lo = mid; else hi = mid; }
        return at(lo, cy)[1];
      }, top: Math.min(y1, y2, cy), bottom: Math.max(y1, y2, cy) };
    };
    let top = 0, bottom = 0;
    for (const j of drawnEdges) {
      const a = place(edges[j].from), b = place(edges[j].to);
      const path = route(a.x + a.w, a.y + H / 2, b.x, b.y + H / 2, edges[j].from, edges[j].to);
      top = Math.min(top, path.top - 10);
      bottom = Math.max(bottom, path.bottom + 10);
      const line = svg("path", { d: path.d, "marker-end": "url(#stepper-arrow)" });
      const lx = a.x + a.w + gap[depth[edges[j].from]] / 2;
      const label = svg("g", { class: "label" });
      const back = svg("rect", { height: 14, rx: 3 });
      const words = svg("text", { x: lx, "text-anchor": "middle" });
      label.append(back, words);
      labelsByGap[depth[edges[j].from]].push({ label, back, words, want: path.at(lx) });
      lineLayer.append(line);
      labelLayer.append(label);
      edgeParts[j] = { line, label, back, words, lx };
    }
    // Room for the curves that bend above the first row or below the last.
    picture.setAttribute("viewBox", `0 ${Math.min(0, top)} ${picture.getAttribute("width")} ${Math.max(bottom, +picture.getAttribute("height")) - Math.min(0, top)}`);
    picture.setAttribute("height", Math.max(bottom, +picture.getAttribute("height")) - Math.min(0, top));
    for (const labels of labelsByGap) { // centred on their line, moved apart to 15 px
      labels.sort((p, q) => p.want - q.want);
      let y = -Infinity;
      for (const p of labels) {
        y = Math.max(p.want, y + 15);
        p.words.setAttribute("y", y + 4);
        p.back.setAttribute("y", y - 7);
      }
    }
    const nodeParts = nodes.slice(0, drawn).map((node, i) => {
      const p = place(i);
      const g = svg("g", { class: `node${node.leaf ? " leaf" : ""}${i === N - 1 ? " out" : ""}` });
      const texts = [16, 33, 50].map((dy, k) => svg("text", { x: p.x + 8, y: p.y + dy, class: k ? "" : "op" }));
      g.append(svg("rect", { x: p.x, y: p.y, width: p.w, height: H, rx: 6 }), ...texts);
      nodeLayer.append(g);
      return { g, texts };
    });

    // The controls: buttons (Enter and Space as every button), arrow keys, Home and End on them.
    const button = (label, kind) => R.button(label, `step-${kind}`);
    const first = button(T.first, "first"), back = button(T.back, "back"), next = button(T.next, "next");
    const play = button(T.play, "play");
    const where = el("span", { className: "stepper-at" });
    const live = el("p", { className: "stepper-live" });
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    const bar = el("div", { className: "run-bar stepper-bar" }, first, back, next, play, where);
    const scroller = el("div", { className: "stepper-scroll", tabIndex: 0 }, picture);
    scroller.setAttribute("role", "group");
    scroller.setAttribute("aria-label", R.fill(T.graph, { nodes: N, edges: edges.length }));
    const panel = el("div", { className: "stepper-open" }, bar, el("p", { className: "stepper-keys" }, T.keys), live);
    panel.setAttribute("role", "group");
    panel.setAttribute("aria-label", T.steps);
    if (N > 40) panel.append(el("p", { className: "stepper-note" }, R.fill(T.crowded, { nodes: N }) + (N > drawn ? " " + R.fill(T.big, { nodes: N }) : "")));
    panel.append(scroller);
    box.replaceChildren(panel);
    box.classList.add("is-open");

    let at = 0;
    let timer = null;
    const render = () => {
      const current = at === 0 ? -1 : at <= N ? at - 1 : at === N + 1 ? N - 1 : steps[at - N - 2].node;
      const done = at - N - 1; // backward steps applied
      const grads = nodes.map((_, i) => (at > N ? (i === N - 1 ? "1" : "0") : ""));
      const current_edge = done > 0 ? stepEdge[done - 1] : -1;
      for (let k = 0; k < Math.max(done, 0); k++) grads[steps[k].parent] = sumOf(k, short);
      nodeParts.forEach(({ g, texts }, i) => {
        g.classList.toggle("later", at <= i && at <= N);
        g.classList.toggle("current", i === current);
        const [l1, l2, l3] = lines(i, grads[i]);
        texts[0].textContent = (i === current ? "▶ " : "") + l1;
        texts[1].textContent = l2;
        texts[2].textContent = at > N ? l3 : "";
        const target = current_edge >= 0 && edges[current_edge].from === i;
        g.classList.toggle("target", target);
      });
      edgeParts.forEach(({ line, label, back, words, lx }, j) => {
        if (!line) return;
        const k = stepOfEdge[j];
        line.classList.toggle("later", at <= edges[j].to && at <= N);
        label.classList.toggle("later", at <= edges[j].to && at <= N);
        line.classList.toggle("current", j === current_edge);
        label.classList.toggle("current", j === current_edge);
        words.textContent = edgeLabel(j, k !== undefined && k < done ? steps[k] : null);
        const w = words.textContent.length * 6.7 + 6;
        back.setAttribute("x", lx - w / 2);
        back.setAttribute("width", w);
      });
      where.textContent = R.fill(T.at, { step: at, steps: total });
      live.textContent = text(at);
      back.setAttribute("aria-disabled", String(at === 0));
      first.setAttribute("aria-disabled", String(at === 0));
      next.setAttribute("aria-disabled", String(at === total));
    };
    const go = (to) => {
      at = Math.max(0, Math.min(total, to));
      render();
    };
    const pause = () => {
      clearInterval(timer);
      timer = null;
      play.textContent = T.play;
    };
    first.addEventListener("click", () => { pause(); go(0); });
    back.addEventListener("click", () => { pause(); go(at - 1); });
    next.addEventListener("click", () => { pause(); go(at + 1); });
    play.addEventListener("click", () => {
      if (timer) { pause(); return; }
      if (at === total) go(0);
      play.textContent = T.pause;
      timer = setInterval(() => {
        if (!box.isConnected || at >= total) pause();
        else go(at + 1);
      }, 1200);
    });
    bar.addEventListener("keydown", (event) => {
      const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: total }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      pause();
      go(to);
    });
    render();
    next.focus();
  };

  // A course page's stepper: run its code (the engine, then the example) in the worker, then open.
  const run = async (box, codes) => {
    box.replaceChildren(el("p", { className: "stepper-wait" }, T.stepperLoading));
    const answer = await R.run(codes, { graph: true });
    if (answer.graph && answer.graph.steps) open(box, answer.graph);
    else box.replaceChildren(el("p", {}, R.ending(answer, codes.length) || T.stepperNone));
  };
  window.Stepper = { open, run };
})();
