"""Claims of docs/<lang>/graph-and-leaves.md that its printed outputs do not show, and its figure."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest
import torch
from autograd_probes import count_saved_tensors

ROOT = Path(__file__).resolve().parent.parent
FIGURE_SCRIPT = ROOT / "snippets" / "graph" / "fig_leaves_graph.py"


def load_figure_script():
    spec = importlib.util.spec_from_file_location("fig_leaves_graph", FIGURE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example():
    a = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    c = torch.tensor(4.0)
    u = a * b
    s = u + b
    return a, b, c, u, s, s * c


# --- the figure -----------------------------------------------------------------------------------


def test_the_figure_shows_the_numbers_the_page_computes_by_hand():
    flow = load_figure_script().recorded_flow()
    assert [(n.name, n.op, n.value, n.grad) for n in flow.nodes] == [
        ("a", "AccumulateGrad", "3", "8"),
        ("b", "AccumulateGrad", "2", "16"),
        ("u", "MulBackward0", "6", "4"),
        ("s", "AddBackward0", "8", "4"),
        ("z", "MulBackward0", "32", "1"),
        ("c", "None", "4", ""),  # the constant: the None in the next_functions of z's node
    ]
    edges = {(flow.nodes[e.source].name, flow.nodes[e.target].name): flow.label(e) for e in flow.edges}
    assert edges == {
        ("a", "u"): "2 × 4 = 8",
        ("b", "u"): "3 × 4 = 12",
        ("u", "s"): "1 × 4 = 4",
        ("b", "s"): "1 × 4 = 4",
        ("s", "z"): "4 × 1 = 4",
        ("c", "z"): "",  # a dashed line with no arrow: no gradient goes to the constant
    }
    assert flow.nodes[flow.output].name == "z"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_label_of_the_figure_overlaps_another_label_or_a_box_and_no_edge_hides_one(lang):
    import matplotlib.pyplot as plt
    from figure_style import apply_theme
    from flow_graph import draw_flow, overlaps

    script = load_figure_script()
    flow = script.recorded_flow()
    fig = draw_flow(flow, apply_theme("light"), lang, script.TITLE)  # the layout is the same in both themes
    try:
        assert overlaps(fig, flow) == []
    finally:
        plt.close(fig)


def test_the_page_shows_the_flow_figure_in_its_own_language():
    for lang in ("zh", "en"):
        text = (ROOT / "docs" / lang / "graph-and-leaves.md").read_text(encoding="utf-8")
        for theme in ("light", "dark"):
            assert f"figures/leaves_flow.{lang}.{theme}.svg#only-{theme}" in text


# --- next_functions -------------------------------------------------------------------------------


def test_a_constant_is_none_in_next_functions_and_has_no_accumulate_grad():
    a, b, c, u, s, z = example()
    assert z.grad_fn.next_functions[1] == (None, 0)
    leaves = set()
    todo = [z.grad_fn]
    while todo:
        node = todo.pop()
        if node is None:
            continue
        if hasattr(node, "variable"):
            leaves.add(id(node.variable))
        todo.extend(f for f, _ in node.next_functions)
    assert leaves == {id(a), id(b)}


def test_a_leaf_that_requires_grad_is_an_accumulate_grad_only_once_it_is_used():
    a = torch.tensor(3.0, requires_grad=True)
    acc = (a * 2).grad_fn.next_functions[0][0]
    assert acc.name() == "torch::autograd::AccumulateGrad" and acc.variable is a
    assert a.grad_fn is None  # the leaf itself carries no grad_fn


def test_next_functions_has_one_entry_per_input_that_can_carry_a_gradient():
    a = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    c = torch.tensor(4.0)
    assert len((a * c).grad_fn.next_functions) == 2 and (a * c).grad_fn.next_functions[1][0] is None
    assert len(torch.where(a > 0, a, b).grad_fn.next_functions) == 2  # the boolean condition: no entry


@pytest.mark.parametrize(
    "make, entries",
    [
        (lambda a: a * 2, 2),
        (lambda a: a + 1, 2),
        (lambda a: torch.where(a > 0, a, 0.0), 2),
        (lambda a: a.pow(2), 1),
        (lambda a: a.clamp(min=0), 1),
    ],
    ids=["times-number", "plus-number", "where-number", "pow-number", "clamp-number"],
)
def test_a_python_number_gets_a_none_entry_or_no_entry_at_all(make, entries):
    a = torch.tensor(3.0, requires_grad=True)
    nodes = [f for f, _ in make(a).grad_fn.next_functions]
    assert len(nodes) == entries and nodes[0].variable is a
    assert all(f is None for f in nodes[1:])


# --- leaves ---------------------------------------------------------------------------------------


def test_results_computed_from_constants_only_are_leaves_without_grad():
    c = torch.tensor([3.0, 2.0, 1.0])
    d = c * 2 + 1
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert d.grad is None  # no warning for a leaf


@pytest.mark.parametrize(
    "convert",
    [lambda w: w.float(), lambda w: w.to("cpu"), lambda w: w.to(torch.float32)],
    ids=["float", "to-cpu", "to-float32"],
)
def test_a_conversion_that_changes_nothing_returns_the_leaf_itself(convert):
    w = torch.ones(3, requires_grad=True)
    assert convert(w) is w


@pytest.mark.parametrize(
    "convert",
    [lambda w: w * 1, lambda w: w.double(), lambda w: w.to("meta"), lambda w: w + 0],
    ids=["times-one", "double", "other-device", "plus-zero"],
)
def test_an_operation_makes_a_new_non_leaf_even_if_it_changes_nothing(convert):
    w = torch.ones(3, requires_grad=True)
    v = convert(w)
    assert v is not w and not v.is_leaf and v.grad_fn is not None


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode], ids=["no_grad", "inference_mode"])
def test_with_recording_off_an_operation_makes_a_leaf(mode):
    a = torch.tensor(3.0, requires_grad=True)
    with mode():
        v = a * 1
    assert v.is_leaf and not v.requires_grad


def test_an_operation_on_constants_only_or_a_non_differentiable_one_makes_a_leaf():
    a = torch.tensor(3.0, requires_grad=True)
    c = torch.tensor(4.0)
    assert (c * 1).is_leaf and (a > 0).is_leaf and a.argmax().is_leaf


def test_backward_with_inputs_fills_the_listed_tensors_even_a_non_leaf():
    a, b, c, u, s, z = example()
    z.backward(inputs=[s])
    assert s.grad.item() == 4 and a.grad is None and b.grad is None


def test_a_retained_intermediate_gets_its_grad_even_with_inputs():
    a = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    u = a * b
    u.retain_grad()
    z = (u + b) * 4
    z.backward(inputs=[a])
    assert a.grad.item() == 8 and u.grad.item() == 4 and b.grad is None


def test_only_leaves_that_require_grad_get_a_grad():
    a, b, c, u, s, z = example()
    z.backward()
    assert a.grad.item() == 8 and b.grad.item() == 16 and c.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert u.grad is None and s.grad is None


def test_one_input_that_requires_grad_is_enough_only_for_differentiable_operations_with_recording_on():
    a = torch.tensor(3.0, requires_grad=True)
    c = torch.tensor(4.0)
    assert (a * c).requires_grad
    assert not (a > c).requires_grad
    with torch.no_grad():
        assert not (a * c).requires_grad
    with torch.inference_mode():
        assert not (a * c).requires_grad


def test_retain_grad_after_backward_is_too_late():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    s = a * 3
    s.sum().backward()
    s.retain_grad()
    assert s.grad is None


# --- saved tensors --------------------------------------------------------------------------------


def test_s_times_c_saves_only_c_because_c_is_a_constant():
    s = torch.tensor(8.0, requires_grad=True)
    c = torch.tensor(4.0)
    assert count_saved_tensors(lambda: s * c) == 1
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        s * c
    assert len(saved) == 1 and saved[0] is c
    c_needs_grad = torch.tensor(4.0, requires_grad=True)
    assert count_saved_tensors(lambda: s * c_needs_grad) == 2  # then the derivative for c needs s


def test_every_next_functions_number_on_the_page_is_zero_and_a_multi_output_operation_uses_others():
    a, b, c, u, s, z = example()
    numbers = [n for t in (u, s, z) for _, n in t.grad_fn.next_functions]
    assert numbers == [0] * 6
    first, second = torch.stack([a, b]).unbind()
    # The number is which input of the next node the gradient goes to: which output of unbind.
    (node_0, number_0), (node_1, number_1) = (first * second).grad_fn.next_functions
    assert node_0 is node_1 and node_0.name() == "UnbindBackward0" and (number_0, number_1) == (0, 1)


def test_what_each_node_of_the_example_saves():
    a = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    c = torch.tensor(4.0)
    assert count_saved_tensors(lambda: a * b) == 2
    assert count_saved_tensors(lambda: a + b) == 0
    s = a * b + b
    m = s * c
    assert m.grad_fn._saved_self is None and torch.equal(m.grad_fn._saved_other, c)


@pytest.mark.parametrize("first_needs_grad, second_needs_grad", [(True, True), (True, False), (False, True)])
def test_a_multiplication_node_keeps_the_first_factor_in_saved_self_the_second_in_saved_other_none_if_unsaved(
    first_needs_grad, second_needs_grad
):
    first = torch.tensor(3.0, requires_grad=first_needs_grad)
    second = torch.tensor(4.0, requires_grad=second_needs_grad)
    node = (first * second).grad_fn
    # The derivative for one factor is the other one: a factor is saved only if the other needs a gradient.
    assert (node._saved_self is None) == (not second_needs_grad)
    assert (node._saved_other is None) == (not first_needs_grad)
    if second_needs_grad:
        assert torch.equal(node._saved_self, first)
    if first_needs_grad:
        assert torch.equal(node._saved_other, second)


def test_a_nodes_saved_tensors_are_freed_right_after_it_runs_not_when_backward_finishes():
    a, b, c, u, s, z = example()
    mul_ab, mul_c = u.grad_fn, z.grad_fn
    seen = {}

    def probe(node):
        try:
            node._saved_self
            return "kept"
        except RuntimeError:
            return "freed"

    # A hook on s runs after z's node and before u's node.
    s.register_hook(lambda grad: seen.update(mul_c=probe_other(mul_c), mul_ab=probe(mul_ab)))

    def probe_other(node):
        try:
            node._saved_other
            return "kept"
        except RuntimeError:
            return "freed"

    z.backward()
    assert seen == {"mul_c": "freed", "mul_ab": "kept"}
    assert probe(mul_ab) == "freed"


def test_a_saved_tensor_lives_on_while_something_else_refers_to_it_and_is_freed_when_nothing_does():
    import gc
    import weakref

    a = torch.tensor([3.0], requires_grad=True)
    kept = a * 2  # saved by the node of kept * kept, and named
    dropped = a * 5  # saved by the node of dropped * dropped, and not named after this line
    y = (kept * kept).sum() + (dropped * dropped).sum()
    watch_kept, watch_dropped = weakref.ref(kept), weakref.ref(dropped)
    del dropped
    gc.collect()
    assert watch_dropped() is not None  # the node still refers to it
    y.backward()  # each node drops its references to its saved tensors once it has run
    gc.collect()
    assert watch_dropped() is None and watch_kept() is kept


def test_retain_graph_keeps_the_saved_tensors_for_a_second_backward():
    a, b, c, u, s, z = example()
    z.backward(retain_graph=True)
    z.backward()
    assert a.grad.item() == 16 and b.grad.item() == 32


@pytest.mark.parametrize("make", [lambda a, b: a + b, lambda a, b: (a + b).sum()], ids=["add", "sum"])
def test_a_graph_whose_nodes_saved_nothing_can_be_walked_again_and_accumulates(make):
    a = torch.tensor([3.0], requires_grad=True)
    b = torch.tensor([2.0], requires_grad=True)
    y = make(a, b).sum()
    y.backward()
    y.backward()
    assert a.grad.item() == 2 and b.grad.item() == 2


def test_a_graph_whose_nodes_saved_tensors_cannot_be_walked_again():
    a, b, c, u, s, z = example()
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_keeps_the_graph_for_a_second_backward():
    a, b, c, u, s, z = example()
    z.backward(create_graph=True)
    z.backward()
    assert a.grad.item() == 16
