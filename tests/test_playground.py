"""What docs/<lang>/playground.md says the playground does with the reader's code, tried on the
Python the page's worker runs (overrides/javascripts/run-worker.js), here in CPython. The browser
tests (tests/browser/test_browser_run.py) run the same code in MicroPython on the built page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKER = (ROOT / "overrides" / "javascripts" / "run-worker.js").read_text(encoding="utf-8")
ENGINE = (ROOT / "snippets" / "from_scratch" / "engine.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def worker() -> dict:
    found = re.search(r"mp\.runPython\(`(.*?)`\);", WORKER, re.S)
    assert found, "run-worker.js: the Python given to mp.runPython was not found"
    namespace: dict = {}
    exec(found.group(1), namespace)
    return namespace


def run(worker: dict, code: str) -> dict:
    """The engine block, then the reader's code, then the description of `out`: a playground run."""
    ns = worker["_new_globals"]()
    assert worker["_run"](ENGINE, ns) == ""
    assert worker["_run"](code, ns) == ""
    return json.loads(worker["_graph"](ns))


def leaves(graph: dict) -> dict:
    return {node["name"]: node["grad"] for node in graph["nodes"] if node["leaf"]}


def stepped(graph: dict) -> dict:
    """Each leaf's grad at the end of the stepper's backward pass."""
    last = {}
    for step in graph["steps"]:
        last[step["parent"]] = step["grad"]
    return {graph["nodes"][i]["name"]: g for i, g in last.items() if graph["nodes"][i]["leaf"]}


def test_the_playground_calls_out_backward_once_when_the_code_did_not(worker):
    graph = run(worker, "x = Value(3.0)\nout = x * x")
    assert leaves(graph) == {"x": 6.0}


def test_a_call_of_out_backward_in_the_code_is_not_repeated(worker):
    graph = run(worker, "x = Value(3.0)\nout = x * x\nout.backward()")
    assert leaves(graph) == {"x": 6.0}


def test_a_second_call_in_the_code_shows_the_old_gradient_sent_again_but_the_stepper_shows_one_pass(worker):
    graph = run(worker, "x = Value(3.0)\nout = x * x\nout.backward()\nout.backward()")
    assert leaves(graph) == {"x": 12.0}
    assert stepped(graph) == {"x": 6.0}


def test_after_a_backward_of_another_value_using_out_the_gradients_are_that_values(worker):
    """out.grad is 5, not 0: the playground does not call out.backward(); g is d loss / d v."""
    graph = run(worker, "x = Value(3.0)\nout = x * x\nloss = out * 5\nloss.backward()")
    assert leaves(graph) == {"x": 30.0}
    assert stepped(graph) == {"x": 6.0}


def test_out_grad_left_at_zero_by_another_backward_makes_the_playground_add_its_own(worker):
    """The test is out.grad == 0, not 'the code called backward': both calls add up in x.grad."""
    graph = run(worker, "x = Value(3.0)\nout = x * x\nz = x * 4\nz.backward()")
    assert leaves(graph) == {"x": 10.0}
    assert stepped(graph) == {"x": 6.0}


def test_inputs_are_named_after_variables_and_list_elements_and_unnamed_ones_are_not(worker):
    graph = run(
        worker,
        "inputs = [Value(1.5), Value(-2.0)]\nw = Value(0.4)\nout = (w * inputs[0] + inputs[1] * Value(2.0)).tanh()",
    )
    names = [node["name"] for node in graph["nodes"] if node["leaf"]]
    assert sorted(names) == sorted(["inputs[0]", "inputs[1]", "w", ""])


def test_a_graph_of_more_than_2000_nodes_is_not_stepped_through(worker):
    small = run(worker, "x = Value(1.0)\nout = x\nfor _ in range(1998):\n    out = out * 1")
    assert len(small["nodes"]) == 1999 and small["steps"] is not None
    big = run(worker, "x = Value(1.0)\nout = x\nfor _ in range(2000):\n    out = out * 1")
    assert len(big["nodes"]) == 2001 and big["steps"] is None


def test_the_pages_say_what_the_worker_does(worker):
    """The sentences this file tries, and the limits of playground.js and run-in-page.js."""
    en = (ROOT / "docs" / "en" / "playground.md").read_text(encoding="utf-8")
    zh = (ROOT / "docs" / "zh" / "playground.md").read_text(encoding="utf-8")
    assert "out.grad == 0" in WORKER
    assert "if it\n  is still 0" in en and "如果它还是 0" in zh
    assert "len(order) > 2000" in WORKER and "more than 2,000 nodes" in en and "超过 2000 个节点" in zh
    playground_js = (ROOT / "overrides" / "javascripts" / "playground.js").read_text(encoding="utf-8")
    assert "graph.nodes.slice(0, 200)" in playground_js and "first 200 nodes" in en and "前 200 个节点" in zh
    run_in_page = (ROOT / "overrides" / "javascripts" / "run-in-page.js").read_text(encoding="utf-8")
    assert "limitMs: 10000" in run_in_page and "10 seconds" in en and "10 秒" in zh


RUNTIME = ROOT / "node_modules" / "@micropython" / "micropython-webassembly-pyscript"


def test_the_runtime_is_about_540_kb_and_about_220_kb_gzipped():
    """Both pages (and from-scratch) give the download as about 540 KB, about 220 KB with gzip."""
    import gzip

    files = [RUNTIME / name for name in ("micropython.mjs", "micropython.wasm")]
    if not all(f.is_file() for f in files):
        pytest.skip("needs the MicroPython package (npm ci)")
    raw = sum(f.stat().st_size for f in files)
    packed = sum(len(gzip.compress(f.read_bytes(), compresslevel=6)) for f in files)
    assert round(raw / 10_000) * 10 == 540, raw
    assert round(packed / 10_000) * 10 == 220, packed
