"""The engines of snippets/from_scratch/ (engine.py, leaf_engine.py, dual.py) against torch,
and the claims of docs/*/from-scratch.md that its checked outputs do not show by themselves."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import textwrap
from functools import lru_cache
from pathlib import Path

import pytest
import torch
from dual import Dual
from engine import Value, method, topological_order
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from leaf_engine import LeafGradValue

ROOT = Path(__file__).resolve().parent.parent
FROM_SCRATCH = ROOT / "snippets" / "from_scratch"


# ---------------------------------------------------------------------------------------------
# Random expression trees in two variables: x > 0 and y of either sign.
# A tree is a nested tuple; `evaluate` runs it on Values, Duals or float64 tensors alike, because
# all three spell the functions as methods (t.exp(), t.log(), ...).
# Constants appear only beside a tree (2 * t, t - 0.5), so every tree depends on a variable.
# Domains are kept by construction: log, a divisor and a fractional power get a tree from
# `positive(depth)`, whose value is > 0 whatever the variables are.

POSITIVE_CONSTANTS = st.sampled_from([0.5, 1.0, 2.0, 3.0])
ANY_CONSTANTS = st.sampled_from([-2.0, -0.5, 0.5, 1.0, 3.0])
VARIABLES = {"x": st.floats(0.25, 3.0), "y": st.floats(-3.0, 3.0)}


@lru_cache(maxsize=None)
def positive(depth: int):
    leaves = st.just(("var", "x"))
    if depth == 0:
        return leaves
    p, a = positive(depth - 1), anything(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(st.just("exp"), a),
        st.tuples(st.sampled_from(["add", "mul", "div"]), p, p),
        st.tuples(st.just("pow"), p, st.sampled_from([0.5, 1.5, -1.0, 2.0, 3.0])),
        st.tuples(st.sampled_from(["c+", "c*", "c/"]), POSITIVE_CONSTANTS, p),
        st.tuples(st.sampled_from(["+c", "*c", "/c"]), p, POSITIVE_CONSTANTS),
    )


@lru_cache(maxsize=None)
def anything(depth: int):
    leaves = st.one_of(st.just(("var", "y")), positive(0))
    if depth == 0:
        return leaves
    p, a = positive(depth - 1), anything(depth - 1)
    return st.one_of(
        leaves,
        positive(depth),
        st.tuples(st.sampled_from(["add", "sub", "mul"]), a, a),
        st.tuples(st.just("div"), a, p),
        st.tuples(st.just("neg"), a),
        st.tuples(st.just("pow"), a, st.sampled_from([2, 3])),
        st.tuples(st.just("log"), p),
        st.tuples(st.sampled_from(["sin", "tanh", "relu"]), a),
        st.tuples(st.sampled_from(["c+", "c-", "c*"]), ANY_CONSTANTS, a),
        st.tuples(st.just("c/"), ANY_CONSTANTS, p),
        st.tuples(st.sampled_from(["+c", "-c", "*c", "/c"]), a, ANY_CONSTANTS),
    )


def evaluate(tree, env):
    kind = tree[0]
    if kind == "var":
        return env[tree[1]]
    if kind in {"exp", "log", "sin", "tanh", "relu"}:
        return getattr(evaluate(tree[1], env), kind)()
    if kind == "neg":
        return -evaluate(tree[1], env)
    if kind == "pow":
        return evaluate(tree[1], env) ** tree[2]
    if kind in {"add", "sub", "mul", "div"}:
        return _binary(kind, evaluate(tree[1], env), evaluate(tree[2], env))
    if kind[0] == "c":  # a number on the left: c + t, c - t, c * t, c / t
        return _binary(kind[1], tree[1], evaluate(tree[2], env))
    return _binary(kind[0], evaluate(tree[1], env), tree[2])  # a number on the right


def _binary(op, a, b):
    return {
        "add": lambda: a + b,
        "+": lambda: a + b,
        "sub": lambda: a - b,
        "-": lambda: a - b,
        "mul": lambda: a * b,
        "*": lambda: a * b,
        "div": lambda: a / b,
        "/": lambda: a / b,
    }[op]()


def condition_bound(output: Value) -> dict:
    """For each node, the sum over paths of |products of local derivatives|: how large the terms
    are that backward adds up, so that rounding error can be bounded relative to them."""
    bound = {output: 1.0}
    for node in reversed(topological_order(output)):
        for parent, local in zip(node._parents, node._local_grads):
            bound[parent] = bound.get(parent, 0.0) + abs(local) * bound.get(node, 0.0)
    return bound


def close(a: float, b: float, scale: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-12 * scale + 1e-9 * abs(b)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(tree=anything(4), x=VARIABLES["x"], y=VARIABLES["y"])
def test_engine_matches_torch_on_random_expressions(tree, x, y):
    vx, vy = Value(x), Value(y)
    try:
        out = evaluate(tree, {"x": vx, "y": vy})
    except (OverflowError, ZeroDivisionError, ValueError):  # exp too large, or a value underflowed to 0
        assume(False)
    if not isinstance(out, Value):  # no variable survived: nothing to differentiate
        assume(False)
    assume(math.isfinite(out.data) and abs(out.data) < 1e12)
    out.backward()
    bound = condition_bound(out)
    assume(all(math.isfinite(b) and b < 1e12 for b in bound.values()))

    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    tout = evaluate(tree, {"x": tx, "y": ty})
    assert close(out.data, tout.item(), 1.0 + abs(tout.item()))
    gx, gy = torch.autograd.grad(tout, (tx, ty), allow_unused=True)
    for leaf, g in ((vx, gx), (vy, gy)):
        expected = 0.0 if g is None else g.item()
        assert close(leaf.grad, expected, 1.0 + bound.get(leaf, 0.0)), (tree, leaf.grad, expected)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(tree=anything(4), x=VARIABLES["x"], y=VARIABLES["y"])
def test_leaf_engine_matches_the_first_engine(tree, x, y):
    """Messages instead of stored gradients: the same leaf gradients after one backward."""
    results = []
    for cls in (Value, LeafGradValue):
        vx, vy = cls(x), cls(y)
        try:
            out = evaluate(tree, {"x": vx, "y": vy})
        except (OverflowError, ZeroDivisionError, ValueError):
            assume(False)
        assume(isinstance(out, Value) and math.isfinite(out.data))
        out.backward()
        results.append((vx.grad or 0.0, vy.grad or 0.0, condition_bound(out) if cls is Value else None))
    (ax, ay, bound), (bx, by, _) = results
    assume(all(math.isfinite(b) for b in bound.values()))
    scale = 1.0 + max(bound.values())
    assert close(ax, bx, scale) and close(ay, by, scale)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(tree=anything(4), x=VARIABLES["x"], y=VARIABLES["y"])
def test_dual_numbers_match_torch(tree, x, y):
    """Forward mode: the tangent of f(x + ε, y) is ∂f/∂x, and of f(x, y + ε) is ∂f/∂y."""
    try:
        fx = evaluate(tree, {"x": Dual(x, 1.0), "y": Dual(y, 0.0)})
        fy = evaluate(tree, {"x": Dual(x, 0.0), "y": Dual(y, 1.0)})
        reference = evaluate(tree, {"x": Value(x), "y": Value(y)})
    except (OverflowError, ZeroDivisionError, ValueError):
        assume(False)
    assume(isinstance(fx, Dual) and isinstance(reference, Value) and math.isfinite(fx.value) and abs(fx.value) < 1e12)
    bound = condition_bound(reference)
    assume(all(math.isfinite(b) and b < 1e12 for b in bound.values()))
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    tout = evaluate(tree, {"x": tx, "y": ty})
    gx, gy = torch.autograd.grad(tout, (tx, ty), allow_unused=True)
    scale = 1.0 + max(bound.values())
    assert close(fx.value, tout.item(), 1.0 + abs(tout.item()))
    assert close(fx.tangent, 0.0 if gx is None else gx.item(), scale)
    assert close(fy.tangent, 0.0 if gy is None else gy.item(), scale)


# ---------------------------------------------------------------------------------------------
# The lesson's examples on the engine.


def test_two_x_dot_x_on_scalars():
    x = [Value(v) for v in [0.0, 1.0, 2.0, 3.0]]
    y = 2 * sum(xi * xi for xi in x)
    y.backward()
    assert y.data == 28.0
    assert [xi.grad for xi in x] == [0.0, 4.0, 8.0, 12.0]


def control_flow_engine(a):
    b = a * 2
    while abs(b.data) < 1000:
        b = b * 2
    return b if b.data > 0 else 100 * b


def control_flow_torch(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    return b if b.sum() > 0 else 100 * b


@given(st.floats(-50.0, 50.0).filter(lambda v: abs(v) > 1e-3))
def test_control_flow_gradient_is_the_same_as_torch(value):
    """On the branch that ran, f(a) = k·a with k a power of 2 (times 100): both get k exactly."""
    a = Value(value)
    control_flow_engine(a).backward()
    t = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    control_flow_torch(t).backward()
    assert a.grad == t.grad.item()
    k = a.grad / (100 if value < 0 else 1)
    assert k == 2.0 ** round(math.log2(k))


def test_a_long_chain_does_not_hit_the_recursion_limit():
    """topological_order uses its own stack: a chain far longer than the recursion limit works."""
    a = Value(1e-300)
    d = control_flow_engine(a)  # about a thousand doublings
    assert len(topological_order(d)) > sys.getrecursionlimit()
    d.backward()
    assert a.grad == 2.0 ** (len(topological_order(d)) - 1)


def test_shared_input_matches_the_closed_form():
    x = Value(2.0)
    f = (x**2).log() * x.sin() + 1 / x
    f.backward()
    closed = 2 / 2.0 * math.sin(2.0) + math.log(4.0) * math.cos(2.0) - 1 / 4.0
    assert math.isclose(x.grad, closed, rel_tol=1e-12)
    assert [n.op for n in topological_order(f)].count("") == 1  # x appears once, used three times


# ---------------------------------------------------------------------------------------------
# Calling backward twice: 72 (every node keeps .grad) against PyTorch's 48.


def test_engine_with_grad_on_every_node_triples():
    x = Value(3.0)
    z = 2 * x
    y = z * z
    y.backward()
    assert (x.grad, z.grad) == (24.0, 12.0)
    y.backward()
    assert (x.grad, z.grad) == (72.0, 24.0)  # 3 × 24: z.grad was stale and sent again in full


def test_pytorch_doubles_with_retain_graph():
    x = torch.tensor(3.0, requires_grad=True)
    z = 2 * x
    y = z * z
    y.backward(retain_graph=True)
    assert x.grad.item() == 24.0
    y.backward()
    assert x.grad.item() == 48.0


def test_leaf_engine_doubles_like_pytorch_and_keeps_no_grad_on_non_leaves():
    x = LeafGradValue(3.0)
    z = 2 * x
    y = z * z
    assert x.grad is None
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == 48.0
    assert z.grad is None and y.grad is None


def test_leaf_engine_second_backward_raises_and_leaves_grad_alone():
    x = LeafGradValue(3.0)
    z = 2 * x
    y = z * z
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    assert x.grad == 24.0


def test_leaf_engine_frees_every_node_but_pytorch_only_saved_tensors():
    """The page says our leaf engine is stricter than PyTorch: it refuses a second backward even
    through additions, while PyTorch walks x.sum() twice (its node saves nothing) but not 2 * x.sum()."""
    x = LeafGradValue(3.0)
    y = x + 1
    y.backward()
    with pytest.raises(RuntimeError):
        y.backward()
    t = torch.arange(4.0, requires_grad=True)
    s = t.sum()
    s.backward()
    s.backward()
    assert t.grad.tolist() == [2.0] * 4
    u = t * t
    v = u.sum()
    v.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        v.backward()


def test_pytorch_non_leaf_grad_is_none():
    x = torch.tensor(3.0, requires_grad=True)
    z = 2 * x
    (z * z).backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert z.grad is None


# ---------------------------------------------------------------------------------------------
# The figure.


def test_a_leaf_gradient_is_the_sum_over_its_edges_as_the_figure_reads():
    """x.grad = Σ (local derivative × g of the node it feeds): 4·0.2273 − 0.416·1.386 − 0.25·1 ≈ 0.0824."""
    x = Value(2.0)
    f = (x**2).log() * x.sin() + 1 / x
    f.backward()
    terms = [
        local * node.grad
        for node in topological_order(f)
        for parent, local in zip(node._parents, node._local_grads)
        if parent is x
    ]
    assert len(terms) == 3
    assert math.isclose(sum(terms), x.grad)
    assert round(x.grad, 4) == 0.0824


def test_engine_graph_figure_shows_the_engine_nodes(site):
    # Determinism and both themes: tests/test_figures.py.
    for lang in ("zh", "en"):
        for theme in ("light", "dark"):
            text = (site / "figures" / f"engine_graph.{lang}.{theme}.svg").read_text(encoding="utf-8")
            assert "log" in text and "sin" in text
            assert ("局部导数" in text) == (lang == "zh")


# ---------------------------------------------------------------------------------------------
# Smaller claims of the page.


def test_repeated_backward_grows_quadratically_on_the_first_engine():
    """After k calls, x.grad = 12 k (k + 1): 24, 72, 144, 240."""
    x = Value(3.0)
    z = 2 * x
    y = z * z
    seen = []
    for _ in range(4):
        y.backward()
        seen.append(x.grad)
    assert seen == [12 * k * (k + 1) for k in range(1, 5)]


def test_pytorch_records_two_x_dot_x_in_three_nodes():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    nodes, stack = set(), [y.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in nodes:
            nodes.add(node)
            stack.extend(child for child, _ in node.next_functions)
    assert sorted(n.name() for n in nodes) == ["DotBackward0", "MulBackward0", "torch::autograd::AccumulateGrad"]


def test_the_exponent_must_be_a_number():
    with pytest.raises(TypeError):
        Value(2.0) ** Value(3.0)


def test_nodes_are_told_apart_by_identity_not_value():
    a, b = Value(1.0), Value(1.0)
    assert len({a, b}) == 2
    y = a * b
    y.backward()
    assert (a.grad, b.grad) == (1.0, 1.0)


def test_constants_are_not_nodes_in_either_engine():
    x = Value(2.0)
    y = 2 * x + 1
    assert all(isinstance(p, Value) for n in topological_order(y) for p in n._parents)
    assert len(topological_order(y)) == 3
    t = torch.tensor(2.0, requires_grad=True)
    for u in (2 * t, t * torch.tensor(2.0)):  # the constant's slot in next_functions is None
        assert [child is None for child, _ in u.grad_fn.next_functions] == [False, True]


def _equal_by_value(self, other):
    return isinstance(other, Value) and self.data == other.data


def test_an_eq_in_the_class_body_makes_values_unhashable_and_the_walk_raises():
    class EqValue(Value):
        __eq__ = _equal_by_value

    assert EqValue.__hash__ is None  # defining __eq__ in a class body drops the inherited hash
    with pytest.raises(TypeError, match="unhashable type: 'EqValue'"):
        topological_order(EqValue(2.0) * EqValue(2.0))


def test_an_eq_attached_after_the_class_body_keeps_the_identity_hash_in_cpython():
    """As @method attaches it: the hash stays object's, nodes stay apart, the gradients stay right."""

    class Later(Value):
        pass

    @method(Later)
    def __eq__(self, other):
        return _equal_by_value(self, other)

    assert Later.__hash__ is object.__hash__
    a, b = Later(2.0), Later(2.0)
    assert a == b and len({a, b}) == 2
    out = a * 3 + b * 3
    assert len(topological_order(out)) == 5
    out.backward()
    assert (a.grad, b.grad) == (3.0, 3.0)


def test_a_hash_from_the_value_merges_nodes_and_a_gets_zero():
    """The walk reaches b * 3 first (the last input is popped first), skips the equal a * 3, so the
    gradient 1 that a * 3 receives from out is never passed on: a.grad stays 0, b.grad is 3."""

    class MergingValue(Value):
        __eq__ = _equal_by_value

        def __hash__(self):
            return hash(self.data)

    a, b = MergingValue(2.0), MergingValue(2.0)
    a3, b3 = a * 3, b * 3
    out = a3 + b3
    order = topological_order(out)
    assert any(node is b3 for node in order) and not any(node is a3 for node in order)
    assert not any(node is a for node in order)
    out.backward()
    assert a.grad == 0.0
    assert b.grad == 3.0
    assert a3.grad == 1.0  # received from out, never sent on
    a, b = Value(2.0), Value(2.0)
    (a * 3 + b * 3).backward()
    assert (a.grad, b.grad) == (3.0, 3.0)


MICROPYTHON = ROOT / "node_modules" / "@micropython" / "micropython-webassembly-pyscript" / "micropython.mjs"


def test_micropython_refuses_to_hash_a_value_with_an_eq_in_the_body_or_attached_later(tmp_path):
    """The page's browser runs MicroPython: there, both kinds of __eq__ make the walk raise."""
    node = shutil.which("node")
    if node is None or not MICROPYTHON.is_file():
        pytest.skip("needs node and the MicroPython package (npm ci)")
    engine = (FROM_SCRATCH / "engine.py").read_text(encoding="utf-8")
    code = engine + textwrap.dedent("""
        def _eq(self, other):
            return isinstance(other, Value) and self.data == other.data

        class InBody(Value):
            __eq__ = _eq

        class Later(Value):
            pass

        @method(Later)
        def __eq__(self, other):
            return _eq(self, other)
        for cls in (InBody, Later):
            try:
                topological_order(cls(2.0) * cls(2.0))
                print("walked")
            except TypeError as err:
                print(err)

        class MergingValue(Value):
            __eq__ = _eq

            def __hash__(self):
                return hash(self.data)

        a, b = MergingValue(2.0), MergingValue(2.0)
        (a * 3 + b * 3).backward()
        print(a.grad, b.grad)
    """)
    (tmp_path / "code.py").write_text(code, encoding="utf-8")
    runner = tmp_path / "run.mjs"
    runner.write_text(
        f"import {{ loadMicroPython }} from {json.dumps(MICROPYTHON.as_uri())};\n"
        "import { readFileSync } from 'node:fs';\n"
        "const mp = await loadMicroPython({ stdout: (line) => console.log(line), linebuffer: true });\n"
        "mp.runPython(readFileSync(process.argv[2], 'utf8'));\n",
        encoding="utf-8",
    )
    done = subprocess.run([node, str(runner), str(tmp_path / "code.py")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "unsupported type for __hash__: 'InBody'",
        "unsupported type for __hash__: 'Later'",
        "0.0 3.0",
    ]


def test_pytorch_mul_saves_a_factor_only_when_the_other_needs_a_gradient():
    x = torch.tensor(2.0, requires_grad=True)
    c = torch.tensor(3.0)
    node = (x * c).grad_fn
    assert node._saved_self is None and torch.equal(node._saved_other, c)
    y = torch.tensor(5.0, requires_grad=True)
    node = (x * y).grad_fn
    assert torch.equal(node._saved_self, x) and torch.equal(node._saved_other, y)


def test_pytorch_two_x_dot_x_has_two_operation_nodes_and_the_leafs_accumulate_grad():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    assert y.grad_fn.name() == "MulBackward0"
    (dot, _), (constant, _) = y.grad_fn.next_functions
    assert dot.name() == "DotBackward0" and constant is None
    assert {n.name() for n, _ in dot.next_functions} == {"torch::autograd::AccumulateGrad"}


def test_a_second_pytorch_backward_fails_only_through_a_node_that_saved_a_tensor():
    x = torch.arange(4.0, requires_grad=True)
    y = x.sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0] * 4
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("keep", [{"retain_graph": True}, {"create_graph": True}])
def test_a_second_pytorch_backward_works_after_retain_graph_or_create_graph(keep):
    """create_graph=True keeps the graph too: retain_graph defaults to create_graph."""
    x = torch.arange(4.0, requires_grad=True)
    y = (x * x).sum()
    y.backward(**keep)
    y.backward()
    assert x.grad.tolist() == [0.0, 4.0, 8.0, 12.0]


def test_a_second_pytorch_backward_fails_only_where_an_earlier_one_ran_a_node():
    """A node the first backward did not run (inputs= left its branch out) still has its tensors."""
    a = torch.arange(3.0, requires_grad=True)
    w = torch.ones(3, requires_grad=True)
    y = (a * a).sum() + (w * w).sum()
    y.backward(inputs=[a])
    y.backward(inputs=[w])  # w * w was not run the first time: its saved tensors are still there
    assert w.grad.tolist() == [2.0] * 3
    with pytest.raises(RuntimeError, match="second time"):
        y.backward(inputs=[a])


def test_pytorch_mul_by_a_python_number_saves_the_number_and_cannot_be_walked_twice():
    x = torch.arange(4.0, requires_grad=True)
    y = (x * 2).sum()
    assert y.grad_fn.next_functions[0][0]._saved_self is None
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_a_change_through_data_escapes_the_version_counter():
    """The page: version counters notice an in-place change of a saved tensor, unless made through .data."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1
    c = b * b  # saves b
    with torch.no_grad():
        b.mul_(2)  # in place under no_grad: still counted
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()
    b = a * 1
    c = b * b
    b.data.mul_(2)  # not counted: backward runs, with the changed b
    c.sum().backward()
    assert a.grad.tolist() == [4.0, 8.0]


def test_a_sum_and_an_addition_save_no_tensor_and_walk_twice():
    """The sentence 'a product does, a sum does not' keep something: x + x and x.sum() keep no tensor."""
    x = torch.arange(4.0, requires_grad=True)
    for make in (lambda: x.sum(), lambda: (x + x).sum(), lambda: (x + 1).sum()):
        y = make()
        y.backward()
        y.backward()


def test_the_control_flow_function_doubles_1e_300_1007_times():
    a = Value(1e-300)
    d = control_flow_engine(a)
    assert len(topological_order(d)) == 1008  # the leaf and 1,007 doublings

    def recursive_order(node, seen, order):
        if node not in seen:
            seen.add(node)
            for parent in node._parents:
                recursive_order(parent, seen, order)
            order.append(node)

    with pytest.raises(RecursionError):
        recursive_order(d, set(), [])


def test_pytorch_gives_48_even_when_the_non_leaf_keeps_its_grad():
    """72 comes from sending the stored .grad on as the message, not from keeping it: with
    retain_grad() on z, PyTorch keeps z.grad (24 after two calls) and x.grad is still 48."""
    x = torch.tensor(3.0, requires_grad=True)
    z = 2 * x
    z.retain_grad()
    y = z * z
    y.backward(retain_graph=True)
    y.backward()
    assert (x.grad.item(), z.grad.item()) == (48.0, 24.0)
