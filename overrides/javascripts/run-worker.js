// The Python of run-in-page.js, in a Web Worker (a module worker) so that a long loop never freezes
// the page: the page ends it with worker.terminate() (Stop, or the time limit).
//
// MicroPython's WebAssembly port, copied from the pinned npm package into the site's runtime/ by
// course/steps/run_in_page.py; it finds micropython.wasm beside itself. Nothing here is fetched before the
// reader's first Run.
//
// A job: {codes: [...]} runs the blocks one after another in fresh globals (a block's chain, up to
// the block clicked); {codes: [...], graph: true} (the playground: the page's engine block, then the
// reader's code) also runs out.backward() if the code did not, and describes the graph of `out`
// from the engine's own nodes, with the steps of one backward pass recorded by the engine's
// backward_steps (the stepper: stepper.js). Messages back: {out: text} as it is
// printed (with the index of the block that printed it), then {done: true, error: "Type: message" or "", failed: index of the block that raised}.
import { loadMicroPython } from "../runtime/micropython.mjs";

const LIMIT = 200000; // characters of output shown; a loop that prints forever is cut there
let pending = [];
let sent = 0;
let current = 0; // the block whose output is being written
const decoder = new TextDecoder();

function flush() {
  if (!pending.length) return;
  const text = decoder.decode(new Uint8Array(pending), { stream: true });
  pending = [];
  if (sent < LIMIT) postMessage({ out: text.slice(0, LIMIT - sent), block: current });
  sent += text.length;
}

function write(bytes) {
  for (const byte of bytes) pending.push(byte);
  if (bytes[bytes.length - 1] === 10 || pending.length > 4096) flush();
}

const mp = await loadMicroPython({ stdout: write, stderr: write, linebuffer: false });

// Every block in the same fresh dict; an exception is reported as the tests show it: "Type: message".
mp.runPython(`
import json

def _new_globals():
    return {"__name__": "__main__"}

def _run(code, ns):
    try:
        exec(code, ns)
    except Exception as err:
        return "%s: %s" % (type(err).__name__, err)
    return ""

def _graph(ns):
    topological_order = ns["topological_order"]
    out = ns.get("out")
    if out is None or not hasattr(out, "_parents"):
        raise NameError("name 'out' isn't defined: name the Value to differentiate out")
    if out.grad == 0:  # backward() sets out.grad to 1: not called yet
        out.backward()
    names = {}
    for name, value in ns.items():
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                names.setdefault(id(item), "%s[%d]" % (name, i))
        elif not name.startswith("_"):
            names.setdefault(id(value), name)
    order = topological_order(out)
    index = {id(node): i for i, node in enumerate(order)}
    nodes = [{"op": node.op, "data": node.data, "grad": node.grad, "leaf": node.is_leaf,
              "name": names.get(id(node), "")} for node in order]
    edges = [{"from": index[id(p)], "to": i, "local": d}
             for i, node in enumerate(order) for p, d in zip(node._parents, node._local_grads)]
    return json.dumps({"out": out.data, "nodes": nodes, "edges": edges, "steps": _steps(ns, order, index)})

def _steps(ns, order, index):
    # The stepper's backward pass: the engine's backward_steps (engine.py) from zero gradients, one
    # pass, whatever the code did; then every node's grad as the code left it, for the graph above.
    if "backward_steps" not in ns or len(order) > 2000:
        return None
    kept = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    steps = [{"node": index[id(s["node"])], "upstream": s["upstream"], "parent": index[id(s["parent"])],
              "local": s["local"], "contribution": s["contribution"], "grad": s["grad"]}
             for s in ns["backward_steps"](order[-1])]
    for node, grad in zip(order, kept):
        node.grad = grad
    return steps
`);
const newGlobals = mp.globals.get("_new_globals");
const run = mp.globals.get("_run");
const describe = mp.globals.get("_graph");

onmessage = ({ data: job }) => {
  sent = 0;
  const ns = newGlobals();
  let error = "";
  let failed = -1;
  let graph = null;
  try {
    for (let i = 0; i < job.codes.length && !error; i++) {
      flush();
      current = i;
      error = run(job.codes[i], ns);
      if (error) failed = i;
    }
    if (job.graph && !error) {
      current = -1;
      graph = JSON.parse(describe(ns));
    }
  } catch (err) {
    error = err.type ? `${err.type}: ${String(err.message).trim().split("\n").pop().replace(/^\w+: /, "")}` : String(err);
  }
  flush();
  postMessage({ done: true, error, failed, graph });
};
postMessage({ ready: true });
