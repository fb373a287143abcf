"""The stepper's numbers (overrides/javascripts/stepper.js) are the engine's: backward_steps
(snippets/from_scratch/engine.py) does what backward() does, and every example the stepper starts
from (the playground's starting examples, the regions of snippets/from_scratch/stepper_examples.py)
ends with the gradients backward() gives and torch gives. tests/browser/test_browser_stepper.py
compares the steps the page receives from MicroPython with `trace` below, step by step.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch

from course.steps import run_in_page, stepper

ROOT = Path(__file__).resolve().parent.parent
FROM_SCRATCH = ROOT / "snippets" / "from_scratch"


ENGINE = (FROM_SCRATCH / "engine.py").read_text(encoding="utf-8")


def playground_examples(language: str = "en") -> list[str]:
    blocks = run_in_page.runnable_blocks(ROOT / "docs" / language / "playground.md")
    return [block["code"] for block in blocks[1:]]  # the first block is the engine


def course_examples() -> dict[str, str]:
    text = (FROM_SCRATCH / "stepper_examples.py").read_text(encoding="utf-8")
    names = re.findall(r"^# --8<-- \[start:([\w-]+)\]$", text, re.M)
    return {name: stepper.region(text, name) for name in names}


EXAMPLES = {f"playground-{i}": code for i, code in enumerate(playground_examples())} | course_examples()


def run_engine(code: str) -> dict:
    """The engine, then `code`, in fresh globals, as the page's worker runs them."""
    ns = {"__name__": "__main__"}
    exec(ENGINE, ns)
    exec(code, ns)
    return ns


def trace(code: str) -> dict:
    """What the page's worker sends the stepper (run-worker.js, _graph and _steps), from CPython:
    the nodes in topological order and backward_steps' record, from zero gradients."""
    ns = run_engine(code)
    out = ns["out"]
    order = ns["topological_order"](out)
    for node in order:
        node.grad = 0.0
    index = {id(node): i for i, node in enumerate(order)}
    steps = [
        {
            "node": index[id(s["node"])],
            "upstream": s["upstream"],
            "parent": index[id(s["parent"])],
            "local": s["local"],
            "contribution": s["contribution"],
            "grad": s["grad"],
        }
        for s in ns["backward_steps"](out)
    ]
    return {
        "nodes": [{"op": n.op, "data": n.data, "leaf": n.is_leaf} for n in order],
        "steps": steps,
        "grads": [n.grad for n in order],
    }


def leaves_by_name(ns: dict) -> dict[str, object]:
    """The leaves of `out`'s graph, named as the playground names them (a variable, or list[i])."""
    leaves = {id(n): n for n in ns["topological_order"](ns["out"]) if n.is_leaf}
    named = {}
    for name, value in ns.items():
        items = enumerate(value) if isinstance(value, (list, tuple)) else [(None, value)]
        for i, item in items:
            if id(item) in leaves:
                named.setdefault(name if i is None else f"{name}[{i}]", item)
    return named


def as_torch(code: str) -> dict:
    """`code` again, with each Value(x) a float64 leaf tensor that requires grad, and out.backward()."""
    ns = {"__name__": "__main__", "Value": lambda x: torch.tensor(float(x), dtype=torch.float64, requires_grad=True)}
    exec(code, ns)
    tensors = [
        item
        for value in ns.values()
        for item in (value if isinstance(value, (list, tuple)) else [value])
        if isinstance(item, torch.Tensor) and item.is_leaf and item.requires_grad
    ]
    if all(leaf.grad is None for leaf in tensors):  # the code did not call out.backward() itself
        ns["out"].backward()
    return ns


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_backward_steps_does_what_backward_does(name):
    code = EXAMPLES[name]
    traced, plain = run_engine(code), run_engine(code)
    for ns in (traced, plain):  # the examples that call out.backward() themselves: from zero again
        for node in ns["topological_order"](ns["out"]):
            node.grad = 0.0
    steps = traced["backward_steps"](traced["out"])
    plain["out"].backward()
    assert [n.grad for n in traced["topological_order"](traced["out"])] == [
        n.grad for n in plain["topological_order"](plain["out"])
    ]  # exactly, every node
    order = traced["topological_order"](traced["out"])
    assert len(steps) == sum(len(n._parents) for n in order)
    for step in steps:
        assert step["contribution"] == step["local"] * step["upstream"]
    # Each parent's grad after its last step is its final grad; the sum of its contributions is it
    # too, to within rounding (the engine adds them one at a time, from 0.0).
    last = {id(s["parent"]): s for s in steps}
    for node in order:
        if not node.is_leaf or id(node) in last:
            if id(node) in last:
                assert last[id(node)]["grad"] == node.grad
                total = sum(s["contribution"] for s in steps if s["parent"] is node)
                assert math.isclose(total, node.grad, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_final_gradients_equal_torch(name):
    code = EXAMPLES[name]
    engine = run_engine(code)
    for node in engine["topological_order"](engine["out"]):
        node.grad = 0.0
    engine["backward_steps"](engine["out"])
    tensors = as_torch(code)
    named = leaves_by_name(engine)
    assert named, "no named leaf to compare"
    for leaf_name, leaf in named.items():
        base, _, index = leaf_name.partition("[")
        tensor = tensors[base][int(index[:-1])] if index else tensors[base]
        assert math.isclose(leaf.grad, tensor.grad.item(), rel_tol=1e-12, abs_tol=1e-12), leaf_name
    assert math.isclose(engine["out"].data, tensors["out"].item(), rel_tol=1e-12)


def test_the_course_pages_example_is_the_chapters():
    """graph-and-leaves: a = 3, b = 2, c = 4; u = 6, s = 8, z = 32; a.grad = 8, b.grad = 12 + 4 = 16."""
    t = trace(course_examples()["graph-and-leaves"])
    assert sorted(n["data"] for n in t["nodes"]) == [2.0, 3.0, 6.0, 8.0, 32.0]
    ns = run_engine(course_examples()["graph-and-leaves"])
    ns["backward_steps"](ns["out"])
    assert (ns["a"].grad, ns["b"].grad) == (8.0, 16.0)
    b = [n["data"] for n in t["nodes"]].index(2.0)
    into_b = [s["contribution"] for s in t["steps"] if s["parent"] == b]
    assert sorted(into_b) == [4.0, 12.0]


def test_hook_fills_the_marker_with_the_example_and_no_script():
    html = stepper.on_page_content(
        '<p>x</p>\n<div class="stepper" data-example="graph-and-leaves"></div>\n',
        None,
        {"theme": {"language": "en"}},
        None,
    )
    assert "<script" not in html  # instant navigation would run it as JavaScript
    assert "u = a * b" in html
    assert "Step through the forward and backward pass" in html
    zh = stepper.on_page_content(
        '<div class="stepper" data-example="from-scratch"></div>', None, {"theme": {"language": "zh"}}, None
    )
    assert "逐步观看前向和反向传播" in zh and "x.sin()" in zh


def test_the_examples_carry_no_comments_as_every_language_shows_the_same_code():
    assert {name: code for name, code in course_examples().items() if "#" in code} == {}


def test_every_marker_on_the_pages_names_a_region_in_both_languages():
    regions = set(course_examples())
    found = {}
    for language in ("zh", "en"):
        for page in sorted((ROOT / "docs" / language).glob("*.md")):
            for name in stepper.MARKER.findall(page.read_text(encoding="utf-8")):
                found.setdefault(page.name, {}).setdefault(language, []).append(name)
    assert found, "no page has a stepper"
    for page, by_language in found.items():
        assert by_language.get("zh") == by_language.get("en"), page
        assert set(by_language["zh"]) <= regions, page
    assert {"graph-and-leaves.md", "from-scratch.md"} <= set(found)
