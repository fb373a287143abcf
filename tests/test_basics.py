"""Claims of docs/<lang>/basics.md that its printed outputs do not show, and its figure."""

import importlib.util
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
FIGURE_SCRIPT = ROOT / "snippets" / "basics" / "fig_dot_graph.py"


def load_figure_script():
    spec = importlib.util.spec_from_file_location("fig_dot_graph", FIGURE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the nudge ------------------------------------------------------------------------------------


@pytest.mark.parametrize("delta", [0.5, 0.125, 0.0625, -0.0625])
def test_a_nudge_of_any_component_moves_y_by_the_slope_times_the_nudge_plus_two_delta_squared(delta):
    # Zeros in the input included: x_0 = 0 has slope 0, and y still moves by 2·Δ².
    x = torch.arange(4.0)
    y = 2 * torch.dot(x, x)
    for i in range(4):
        nudged = x.clone()
        nudged[i] += delta
        change = (2 * torch.dot(nudged, nudged) - y).item()
        assert change == pytest.approx(4 * x[i].item() * delta + 2 * delta**2, abs=1e-6)


def test_the_pages_gaps_are_two_and_three_delta_squared_and_shrink_four_times_when_delta_halves():
    # The page's nudges of x_3 = 3 in y = 2 x·x, and Exercise 2's nudge of x_1 = -2 in y = 3 x·x:
    # exact in float32, on any CPU (every number here is a short binary fraction).
    x = torch.arange(4.0)
    gaps = []
    for delta in [0.125, 0.0625]:
        nudged = x.clone()
        nudged[3] += delta
        gap = (2 * torch.dot(nudged, nudged) - 2 * torch.dot(x, x)).item() - 12 * delta
        assert gap == 2 * delta**2
        gaps.append(gap)
    assert gaps == [0.03125, 0.0078125] and gaps[0] == 4 * gaps[1]
    x = torch.tensor([1.0, -2.0])
    nudged = torch.tensor([1.0, -1.875])
    gap = (3 * torch.dot(nudged, nudged) - 3 * torch.dot(x, x)).item() - (-12 * 0.125)
    assert gap == 3 * 0.125**2 == 0.046875


def test_the_smaller_the_nudge_the_closer_the_slope():
    x = torch.arange(4.0)
    gaps = []
    for delta in [0.125, 0.0625, 0.03125]:
        nudged = x.clone()
        nudged[3] += delta
        gaps.append(abs((2 * torch.dot(nudged, nudged) - 2 * torch.dot(x, x)).item() - 12 * delta))
    assert gaps[0] > gaps[1] > gaps[2]


def test_in_float32_the_smaller_the_nudge_is_not_always_the_closer():
    # The page says "in exact arithmetic": in float32 a tiny nudge drowns in rounding errors.
    x = torch.arange(4.0)
    y = 2 * torch.dot(x, x)

    def quotient(delta):
        nudged = x.clone()
        nudged[3] += delta
        return ((2 * torch.dot(nudged, nudged) - y) / delta).item()

    assert abs(quotient(2**-10) - 12) < abs(quotient(0.125) - 12)
    assert abs(quotient(1e-6) - 12) > abs(quotient(2**-10) - 12)
    assert abs(quotient(1e-6) - 12) > 0.5


# --- requires_grad and grad_fn --------------------------------------------------------------------


def test_requires_grad_underscore_flips_a_flag_and_returns_the_same_tensor():
    x = torch.arange(4.0)
    before = x._version
    same = x.requires_grad_(True)
    assert same is x and x.requires_grad
    assert x._version == before  # the data is not changed


def test_a_tensor_made_by_us_has_no_grad_fn_and_its_results_do():
    x = torch.arange(4.0, requires_grad=True)
    s = torch.dot(x, x)
    y = 2 * s
    assert x.grad_fn is None
    assert (s.grad_fn.name(), y.grad_fn.name()) == ("DotBackward0", "MulBackward0")
    assert y.grad_fn.next_functions[0][0] is s.grad_fn
    assert [f.variable is x for f, _ in s.grad_fn.next_functions] == [True, True]
    first, second = (f for f, _ in s.grad_fn.next_functions)
    assert first is second and first.name() == "torch::autograd::AccumulateGrad"  # one node, two edges
    assert str(y) == "tensor(28., grad_fn=<MulBackward0>)"


@pytest.mark.parametrize(
    "operation",
    [lambda x: x > 1, lambda x: x == 2, lambda x: x.argmax(), lambda x: x.argsort()],
    ids=["greater", "equal", "argmax", "argsort"],
)
def test_a_non_differentiable_result_of_a_tensor_that_requires_grad_records_nothing(operation):
    x = torch.arange(4.0, requires_grad=True)
    result = operation(x)
    assert not result.requires_grad and result.grad_fn is None


@pytest.mark.parametrize(
    "operation",
    [
        lambda x: x > 1,
        lambda x: x.argmax(),
        lambda x: x.long(),
        lambda x: x.round().int(),
        lambda x: x.nonzero(),
        lambda x: x.max(0).indices,
        lambda x: torch.bucketize(x, torch.tensor([1.5])),
        lambda x: x.bool(),
    ],
    ids=["greater", "argmax", "long", "round-int", "nonzero", "max-indices", "bucketize", "bool"],
)
@pytest.mark.parametrize("create_graph", [False, True], ids=["plain", "inside-a-create-graph-backward"])
def test_a_boolean_or_integer_result_never_has_a_grad_fn(operation, create_graph):
    # The summary's rule: boolean and integer tensors cannot require grad, so no node is ever recorded for them,
    # not even while a backward pass with create_graph=True records its own graph.
    x = torch.arange(4.0, requires_grad=True)
    results = []
    if create_graph:
        x.register_hook(lambda grad: results.append(operation(grad)))
        torch.autograd.grad((x * x).sum(), x, create_graph=True)
    else:
        results.append(operation(x))
    assert results and all(r.dtype in (torch.bool, torch.int32, torch.int64) for r in results)
    assert all(r.grad_fn is None and not r.requires_grad for r in results)
    with pytest.raises(RuntimeError, match="(?i)only tensors of floating point"):
        results[0].requires_grad_()


def test_a_result_has_a_grad_fn_only_if_an_input_requires_grad():
    c = torch.arange(4.0)
    for mode in (torch.enable_grad, torch.no_grad, torch.inference_mode):
        with mode():
            for result in (2 * c, torch.dot(c, c), c.double(), c.sin(), c[1:], c.exp().sum()):
                assert result.grad_fn is None


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode], ids=["no_grad", "inference_mode"])
def test_nothing_is_recorded_when_recording_is_off(mode):
    x = torch.arange(4.0, requires_grad=True)
    with mode():
        y = 2 * torch.dot(x, x)
    assert not y.requires_grad and y.grad_fn is None


def test_a_float_result_whose_slope_is_zero_still_has_a_grad_fn():
    # The misconception box: the reason bool and integer results have no grad_fn is their dtype, not
    # their slope. round, floor, ceil, trunc and sign are recorded, and pass back zeros.
    x = torch.arange(4.0, requires_grad=True)
    for result in (x.round(), x.floor(), x.ceil(), x.trunc(), x.sign()):
        assert result.requires_grad and result.grad_fn is not None
        result.sum().backward()
        assert torch.equal(x.grad, torch.zeros(4))
        x.grad = None


def test_an_operation_that_reads_only_the_shape_records_nothing_whatever_the_dtype():
    # The box's condition: a float result made from x's shape alone has no grad_fn.
    x = torch.arange(4.0, requires_grad=True)
    for result in (torch.zeros_like(x), torch.ones_like(x), torch.full_like(x, 3.0), x.new_zeros(4)):
        assert result.dtype == torch.float32
        assert not result.requires_grad and result.grad_fn is None


@pytest.mark.parametrize("create_graph", [False, True], ids=["plain", "inside-a-create-graph-backward"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_histc_reads_the_values_gives_a_float_result_and_records_nothing_as_declared_non_differentiable(
    dtype, create_graph
):
    # The box's second exception: torch.histc counts x's values (derivatives.yaml declares its output
    # non-differentiable), so its float result has no grad_fn, not even while create_graph=True records.
    x = torch.arange(4.0, dtype=dtype, requires_grad=True)
    results = []
    if create_graph:
        x.register_hook(lambda grad: results.append((grad, torch.histc(grad, bins=4))))
        torch.autograd.grad((x * x).sum(), x, create_graph=True)
        ((source, result),) = results
        assert source.requires_grad  # the gradient itself was recorded
    else:
        result = torch.histc(x, bins=4)
    assert result.dtype == dtype and not result.requires_grad and result.grad_fn is None
    assert not torch.equal(torch.histc(x * 0, bins=4, min=0, max=3), torch.histc(x, bins=4, min=0, max=3))
    assert x.round().grad_fn is not None  # the box's contrast: a zero slope alone does not stop recording


def test_a_result_with_a_grad_fn_needs_an_input_that_requires_grad():
    c = torch.arange(4.0)
    for result in (2 * c, torch.dot(c, c), c.double(), c.sin()):
        assert result.grad_fn is None and not result.requires_grad


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point and complex"):
        torch.arange(4, requires_grad=True)


# --- backpropagation ------------------------------------------------------------------------------


def test_the_local_derivative_of_a_dot_product_for_each_factor_is_the_other_factor():
    a = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = torch.tensor([4.0, 0.0, -1.0], requires_grad=True)
    torch.dot(a, b).backward()
    assert torch.equal(a.grad, b.detach()) and torch.equal(b.grad, a.detach())


def test_the_stepper_splits_the_dot_product_into_four_products_and_three_sums_each_x_i_used_twice():
    from course.steps import stepper

    ns = {"__name__": "__main__"}
    exec((ROOT / "snippets" / "from_scratch" / "engine.py").read_text(encoding="utf-8"), ns)
    region = (ROOT / "snippets" / "from_scratch" / "stepper_examples.py").read_text(encoding="utf-8")
    exec(stepper.region(region, "basics"), ns)
    order = ns["topological_order"](ns["out"])
    products = [n for n in order if n.op == "*"]
    assert len(products) == 4 and len([n for n in order if n.op == "+"]) == 3
    assert all(len(n._parents) == 2 and n._parents[0] is n._parents[1] for n in products)  # x_i * x_i
    assert [n.op for n in order if n.op not in ("*", "+", "")] == ["2 *"]  # y = 2 * s, and no dot node


def test_backward_starts_from_one_and_gives_the_sum_of_the_two_paths():
    x = torch.arange(4.0, requires_grad=True)
    (2 * torch.dot(x, x)).backward()
    first = x.grad.clone()
    x.grad = None
    (2 * torch.dot(x, x)).backward(torch.tensor(1.0))
    assert torch.equal(first, x.grad)
    assert torch.equal(first, 2 * x.detach() + 2 * x.detach())


def test_the_two_gradients_add_up_before_the_accumulate_grad_node_of_x_runs_once():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    accumulate = y.grad_fn.next_functions[0][0].next_functions[0][0]
    received = []
    accumulate.register_prehook(lambda grads: received.append(grads[0].clone()))
    y.backward()
    assert len(received) == 1 and torch.equal(received[0], torch.tensor([0.0, 4.0, 8.0, 12.0]))
    assert torch.equal(x.grad, received[0])


def test_accumulate_grad_adds_what_arrives_into_the_grad_already_there():
    x = torch.arange(4.0, requires_grad=True)
    x.grad = torch.ones(4)
    (2 * torch.dot(x, x)).backward()
    assert torch.equal(x.grad, torch.tensor([1.0, 5.0, 9.0, 13.0]))


def test_the_figure_shows_the_numbers_of_the_real_backward_pass():
    flow = load_figure_script().recorded_flow()
    assert [(n.name, n.op, n.value, n.grad) for n in flow.nodes] == [
        ("x", "AccumulateGrad", "[0, 1, 2, 3]", "[0, 4, 8, 12]"),
        ("s", "DotBackward0", "14", "2"),
        ("y", "MulBackward0", "28", "1"),
    ]
    # Each arrow: local derivative × the result's gradient = the gradient that flows back along it.
    assert [flow.label(e) for e in flow.edges] == [
        "[0, 1, 2, 3] × 2 = [0, 2, 4, 6]",
        "[0, 1, 2, 3] × 2 = [0, 2, 4, 6]",
        "2 × 1 = 2",
    ]


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
        text = (ROOT / "docs" / lang / "basics.md").read_text(encoding="utf-8")
        for theme in ("light", "dark"):
            assert f"figures/dot_flow.{lang}.{theme}.svg#only-{theme}" in text
