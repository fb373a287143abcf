"""Claims of docs/graph-and-leaves.*.md that its printed outputs do not show, and its figure."""

from __future__ import annotations

import importlib.util
import warnings
from collections import Counter
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


# --- the figure -----------------------------------------------------------------------------------


def test_figure_graph_has_the_nodes_and_edges_the_page_describes():
    graph = load_figure_script().recorded_graph()
    assert graph.labels == [
        "SumBackward0",
        "MulBackward0",
        "AddBackward0",
        "MulBackward0",
        "ExpBackward0",
        "AccumulateGrad\na",
        "AccumulateGrad\nb",
    ]
    assert sum(graph.edges.values()) == 7
    assert all(count == 1 for count in graph.edges.values())
    into = Counter(end for (_, end), count in graph.edges.items() for _ in range(count))
    assert into[graph.labels.index("AccumulateGrad\na")] == 1
    assert into[graph.labels.index("AccumulateGrad\nb")] == 2  # b is used by a * b and by b.exp()
    # The constant c has no node: only the two leaves that require grad are drawn.
    assert sum(label.startswith("AccumulateGrad") for label in graph.labels) == 2


def test_constant_is_none_in_next_functions():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    c = torch.tensor([3.0, 2.0, 1.0])
    z = ((a * b + b.exp()) * c).sum()
    mul_c = z.grad_fn.next_functions[0][0]
    assert mul_c.next_functions[1] == (None, 0)


def test_published_figure_shows_the_leaves_and_the_constant(site):
    # Determinism and both themes: tests/test_figures.py.
    for theme in ("light", "dark"):
        text = (site / "figures" / f"leaves_graph.{theme}.svg").read_text(encoding="utf-8")
        assert "AccumulateGrad" in text and "(None, 0)" in text, theme


# --- leaves ---------------------------------------------------------------------------------------


def test_results_computed_from_constants_only_are_leaves():
    c = torch.tensor([3.0, 2.0, 1.0])
    d = c * 2 + 1
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None


def test_grad_of_a_leaf_that_needs_no_grad_is_none_without_warning():
    c = torch.tensor([3.0, 2.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert c.grad is None


@pytest.mark.parametrize("convert", [lambda w: w * 1, lambda w: w.double(), lambda w: w.to("meta")],
                         ids=["times-one", "double", "other-device"])
def test_conversions_make_a_new_non_leaf(convert):
    w = torch.ones(3, requires_grad=True)
    v = convert(w)
    assert v is not w and not v.is_leaf and v.grad_fn is not None


@pytest.mark.parametrize("convert", [lambda w: w * 1, lambda w: w.double()], ids=["times-one", "double"])
def test_gradient_goes_to_the_original_leaf_not_the_converted_tensor(convert):
    w = torch.ones(3, requires_grad=True)
    v = convert(w)
    v.sum().backward()
    assert torch.equal(w.grad, torch.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the non-leaf warning is shown on the page
        assert v.grad is None


def test_converting_first_then_requiring_grad_gives_a_leaf():
    w = torch.ones(3).double().requires_grad_()
    assert w.is_leaf and w.dtype == torch.float64


def test_retain_grad_after_backward_is_too_late():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    s = a * 3
    s.sum().backward()
    s.retain_grad()
    assert s.grad is None


# --- saved tensors --------------------------------------------------------------------------------


def test_sum_saves_no_tensor_and_mul_saves_both_inputs():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    assert count_saved_tensors(lambda: a.sum()) == 0
    assert count_saved_tensors(lambda: a * b) == 2
    assert count_saved_tensors(lambda: b.exp()) == 1


def test_mul_by_a_constant_saves_only_the_constant():
    s = torch.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
    c = torch.tensor([3.0, 2.0, 1.0])
    m = s * c
    assert m.grad_fn._saved_self is None
    assert torch.equal(m.grad_fn._saved_other, c)


def test_exp_saves_its_own_output():
    b = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    v = b.exp()
    assert torch.equal(v.grad_fn._saved_result, v)


# --- integer and complex tensors ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.uint8, torch.bool])
def test_non_float_tensors_cannot_require_grad(dtype):
    with pytest.raises(RuntimeError, match="floating point"):
        torch.zeros(4, dtype=dtype).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point and complex"):
        torch.zeros(4, dtype=dtype, requires_grad=True)


def test_complex_tensors_can_require_grad_despite_the_wording():
    x = torch.arange(4).to(torch.complex64).requires_grad_()
    assert x.requires_grad and x.is_leaf


def test_the_float_fixes_work():
    for x in [torch.arange(4.0, requires_grad=True), torch.arange(4, dtype=torch.float32, requires_grad=True)]:
        assert x.requires_grad and x.is_leaf and x.dtype == torch.float32
