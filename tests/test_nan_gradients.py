"""Claims of docs/*/nan-gradients.md, beyond the outputs its blocks print.

The page's conventions table is read back from both languages and compared with the values its prose
states, so a torch release that changes a convention fails here with the rule it breaks.
"""

from __future__ import annotations

import json
import math
import re
import warnings

import pytest
import torch
import torch.nn.functional as F

from course.markdown_blocks import ROOT, parse_blocks

PAGES = {lang: ROOT / "docs" / lang / "nan-gradients.md" for lang in ("zh", "en")}
INF, NAN = math.inf, math.nan


def grad_at(fn, values, dtype=torch.float32):
    x = torch.tensor(values, dtype=dtype, requires_grad=True)
    fn(x).sum().backward()
    return x.grad


def same(a, b) -> bool:
    """Equal as floats, nan equal to nan."""
    return torch.equal(torch.as_tensor(a).isnan(), torch.as_tensor(b).isnan()) and torch.equal(
        torch.as_tensor(a).nan_to_num(0.0), torch.as_tensor(b).nan_to_num(0.0)
    )


# --- the conventions table ----------------------------------------------------------------------

# What the prose says each row shows: (input, gradient).
STATED = {
    "relu(x)": (0.0, 0.0),
    "abs(x)": (0.0, 0.0),
    "clamp(x, min=0)": (0.0, 1.0),
    "maximum(x, 0)": (0.0, 0.5),
    "clamp(x, 0, 1)": (1.0, 1.0),
    "sqrt(x)": (0.0, INF),
    "norm(x)": ([0.0, 0.0], [0.0, 0.0]),
    "vector_norm(x)": ([0.0, 0.0], [0.0, 0.0]),
    "sqrt((x * x).sum())": ([0.0, 0.0], [NAN, NAN]),
    "max(x)": ([1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    "amax(x)": ([1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    "x.max(dim=0).values": ([1.0, 3.0, 3.0], [0.0, 1.0, 0.0]),
}


def printed_table(lang):
    first = parse_blocks(PAGES[lang])[0]
    rows = {}
    for line in first.expected.body.splitlines()[1:]:
        name, values, grad = line[:22].strip(), line[22:40].strip(), line[40:].strip()
        rows[name] = (eval(values, {}, {}), eval(grad, {"inf": INF, "nan": NAN}, {}))
    return rows


@pytest.mark.parametrize("lang", PAGES)
def test_printed_table_shows_the_stated_conventions(lang):
    rows = printed_table(lang)
    assert list(rows) == list(STATED)
    for name, (values, grad) in STATED.items():
        assert rows[name][0] == values, name
        assert same(rows[name][1], grad), name


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_relu_and_abs_take_zero_and_clamp_on_2_13_counts_its_boundary_as_inside(dtype):
    if TORCH_2_14:
        pytest.skip("torch 2.14 changed clamp at its bounds (test_clamp_at_a_bound_is_the_exception...)")
    assert grad_at(torch.relu, 0.0, dtype).item() == 0.0
    assert grad_at(torch.abs, 0.0, dtype).item() == 0.0 == torch.sign(torch.tensor(0.0, dtype=dtype)).item()
    assert grad_at(torch.abs, [-2.0, 2.0], dtype).tolist() == [-1.0, 1.0]  # neither side's slope at 0
    # clamp lets the gradient through at both bounds, whichever way they are given
    assert grad_at(lambda x: x.clamp(min=0), 0.0, dtype).item() == 1.0
    assert grad_at(lambda x: x.clamp(max=0), 0.0, dtype).item() == 1.0
    assert torch.equal(grad_at(lambda x: x.clamp(-1, 1), [-1.0, 1.0], dtype), torch.ones(2, dtype=dtype))
    # ... and only there: just outside, nothing
    assert grad_at(lambda x: x.clamp(min=0), -1e-3, dtype).item() == 0.0


def test_maximum_and_minimum_split_between_equal_inputs():
    a = torch.tensor([2.0, 1.0, 3.0], requires_grad=True)
    b = torch.tensor([2.0, 2.0, 2.0], requires_grad=True)
    torch.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0] and b.grad.tolist() == [0.5, 1.0, 0.0]
    assert grad_at(lambda x: torch.minimum(x, torch.tensor(0.0)), 0.0).item() == 0.5


def test_one_function_three_spellings_three_gradients_at_zero():
    spellings = [torch.relu, lambda x: x.clamp(min=0), lambda x: torch.maximum(x, torch.tensor(0.0))]
    xs = torch.tensor([-2.0, -0.5, 0.5, 2.0])
    for fn in spellings:  # the same function away from 0
        assert torch.equal(fn(xs), spellings[0](xs))
        assert torch.equal(grad_at(fn, xs.tolist()), (xs > 0).float())
    assert [grad_at(fn, 0.0).item() for fn in spellings] == [0.0, 1.0, 0.5]


@pytest.mark.parametrize("size", [1, 2, 5])
def test_norms_have_a_zero_gradient_at_the_zero_vector(size):
    zeros = [0.0] * size
    for norm in (torch.norm, torch.linalg.vector_norm, lambda x: torch.linalg.vector_norm(x, ord=2)):
        assert torch.equal(grad_at(norm, zeros), torch.zeros(size))
    assert grad_at(lambda x: (x * x).sum().sqrt(), zeros).isnan().all()
    # away from zero both give x / ||x||
    x = torch.arange(1.0, size + 1)
    torch.testing.assert_close(grad_at(torch.norm, x.tolist()), grad_at(lambda t: (t * t).sum().sqrt(), x.tolist()))


@pytest.mark.parametrize("ties", [2, 3, 4])
def test_full_max_and_amax_split_evenly_among_ties_and_max_dim_picks_the_first(ties):
    values = [1.0] + [3.0] * ties + [2.0]
    share = torch.tensor([0.0] + [1.0 / ties] * ties + [0.0])
    assert torch.allclose(grad_at(torch.max, values), share)
    assert torch.allclose(grad_at(torch.amax, values), share)
    assert torch.allclose(grad_at(lambda x: x.amax(dim=0), values), share)  # with or without dim
    x = torch.tensor(values, requires_grad=True)
    result = x.max(dim=0)
    result.values.backward()
    assert result.indices.item() == 1 == values.index(3.0)
    assert x.grad.tolist() == [0.0, 1.0] + [0.0] * ties


def test_max_dim_sends_the_gradient_to_its_indices_row_by_row():
    x = torch.tensor([[3.0, 1.0, 3.0], [0.0, 2.0, 2.0]], requires_grad=True)
    result = x.max(dim=1)
    result.values.sum().backward()
    expected = torch.zeros(2, 3)
    expected[torch.arange(2), result.indices] = 1.0
    assert result.indices.tolist() == [0, 1] and torch.equal(x.grad, expected)


def test_amax_documents_the_even_split():
    assert "evenly distribute gradients" in torch.amax.__doc__


# --- inf times zero -------------------------------------------------------------------------------


def test_hand_written_norm_multiplies_inf_by_zero():
    x = torch.zeros(2, requires_grad=True)
    s = (x * x).sum()
    s.retain_grad()
    s.sqrt().backward()
    assert s.grad.isinf() and x.grad.isnan().all()
    assert math.isnan(math.inf * 0.0)


def test_three_spellings_of_the_squared_norm_at_zero_and_elsewhere():
    spellings = [lambda a: torch.norm(a) ** 2, lambda a: (a * a).sum().sqrt() ** 2, lambda a: (a * a).sum()]
    at_zero = [grad_at(fn, [0.0] * 3) for fn in spellings]
    assert torch.equal(at_zero[0], torch.zeros(3)) and torch.equal(at_zero[2], torch.zeros(3))
    assert at_zero[1].isnan().all()
    a = torch.tensor([0.5, -1.0, 2.0])
    for fn in spellings:  # away from zero all three agree with 2a
        torch.testing.assert_close(grad_at(fn, a.tolist()), 2 * a)


# --- the torch.where trap and the safe pattern ------------------------------------------------------


def random_inputs():
    """Seeded values with negatives, exact zeros and positives."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, generator=g)
    x[::10] = 0.0
    return x


def analytic_grad(x):
    """d/dx of sqrt(x) where x > 0, 0 elsewhere; 0 at x = 0 by the page's convention."""
    return torch.where(x > 0, 0.5 / x.clamp(min=1e-30).sqrt(), torch.zeros(()))


def test_where_trap_gives_nan_exactly_where_the_branch_was_not_selected():
    x = random_inputs()
    grad = grad_at(lambda t: torch.where(t > 0, t.sqrt(), 0.0), x.tolist())
    assert torch.equal(grad.isnan(), x <= 0)
    torch.testing.assert_close(grad[x > 0], analytic_grad(x)[x > 0])


def test_where_sends_zero_to_the_unselected_positions_and_sqrt_turns_it_into_nan():
    x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    s = x.sqrt()
    y = torch.where(x > 0, s, 0.0)
    assert torch.isnan(y).sum() == 0 and s[0].isnan()
    (upstream,) = torch.autograd.grad(y.sum(), s, retain_graph=True)
    assert upstream.tolist() == [0.0, 0.0, 1.0]
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert same(grad, [NAN, NAN, 0.25])


@pytest.mark.parametrize(
    "guarded",
    [lambda x: torch.where(x > 0, x.log(), 0.0), lambda x: torch.where(x != 0, 1 / x, 0.0)],
    ids=["log", "reciprocal"],
)
def test_other_guarded_operations_give_nan_at_zero(guarded):
    grad = grad_at(guarded, [-1.0, 0.0, 4.0])
    assert grad[1].isnan() and not grad[0].isnan() and not grad[2].isnan()


SAFE = {
    "where": lambda x: torch.where(x > 0, torch.where(x > 0, x, 1.0).sqrt(), 0.0),
    "clamp": lambda x: torch.where(x > 0, x.clamp(min=1e-12).sqrt(), 0.0),
}


@pytest.mark.parametrize("name", SAFE)
def test_safe_pattern_keeps_the_forward_and_gives_the_analytic_gradient(name):
    x = random_inputs()
    trap = torch.where(x > 0, x.sqrt(), 0.0)
    assert torch.equal(SAFE[name](x), trap)
    grad = grad_at(SAFE[name], x.tolist())
    assert torch.isfinite(grad).all()
    torch.testing.assert_close(grad, analytic_grad(x))
    assert torch.equal(grad[x <= 0], torch.zeros(int((x <= 0).sum())))


@pytest.mark.parametrize("safe_value", [1.0, 4.0, 0.0, -1.0], ids=["1", "4", "0-infinite-derivative", "-1-nan"])
def test_the_inner_where_sends_x_zero_whatever_comes_back_and_only_a_finite_safe_derivative_keeps_nan_out(safe_value):
    x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    safe_x = torch.where(x > 0, x, safe_value)
    safe_x.retain_grad()
    torch.where(x > 0, safe_x.sqrt(), 0.0).sum().backward()
    assert torch.equal(x.grad, torch.tensor([0.0, 0.0, 0.25]))  # where selects, it does not multiply
    finite = safe_value > 0
    assert bool(torch.isfinite(safe_x.grad).all()) == finite  # a nan reaches safe_x unless the derivative is finite

    def under_anomaly_mode():
        with torch.autograd.detect_anomaly():
            x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
            torch.where(x > 0, torch.where(x > 0, x, safe_value).sqrt(), 0.0).sum().backward()

    if finite:
        run_quietly(under_anomaly_mode)
    else:
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            run_quietly(under_anomaly_mode)


def test_clamp_with_a_zero_bound_brings_the_nan_back_at_zero_on_torch_2_13():
    if TORCH_2_14:
        pytest.skip("torch 2.14 gives clamp a zero gradient at its bound")
    grad = grad_at(lambda x: torch.where(x > 0, x.clamp(min=0).sqrt(), 0.0), [-1.0, 0.0, 4.0])
    assert same(grad, [0.0, NAN, 0.25])


def test_nan_to_num_repairs_the_output_but_not_the_gradient():
    x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    y = x.sqrt().nan_to_num(0.0)
    assert y.tolist() == [0.0, 0.0, 2.0]
    y.sum().backward()
    assert same(x.grad, [NAN, INF, 0.25])


# --- anomaly detection ----------------------------------------------------------------------------


def run_quietly(action):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()
    return [str(w.message) for w in caught]


def trap_backward():
    x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    torch.where(x > 0, x.sqrt(), 0.0).sum().backward()
    return x


def test_detect_anomaly_names_the_first_node_with_a_nan_output():
    def run():
        with torch.autograd.detect_anomaly():
            trap_backward()

    with pytest.raises(RuntimeError, match=r"^Function 'SqrtBackward0' returned nan values in its 0th output\.$"):
        run_quietly(run)


def test_set_detect_anomaly_switches_on_the_same_check_globally():
    try:
        torch.autograd.set_detect_anomaly(True)
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            run_quietly(trap_backward)
    finally:
        torch.autograd.set_detect_anomaly(False)
    assert not torch.is_anomaly_enabled()


def test_anomaly_mode_ignores_forward_nan_and_backward_inf():
    def forward_nan_and_inf_gradient():
        with torch.autograd.detect_anomaly():
            assert torch.tensor(-1.0, requires_grad=True).sqrt().isnan()
            x = torch.tensor(0.0, requires_grad=True)
            x.sqrt().backward()
            assert x.grad.isinf()

    messages = run_quietly(forward_nan_and_inf_gradient)
    assert not any(m.startswith("Error detected in") for m in messages)


def test_safe_pattern_passes_anomaly_detection():
    def run():
        with torch.autograd.detect_anomaly():
            x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
            SAFE["where"](x).sum().backward()

    messages = run_quietly(run)
    assert [m.split(".")[0] for m in messages] == ["Anomaly Detection has been enabled"]


def test_the_first_anomaly_warning_says_it_slows_things_down():
    messages = run_quietly(lambda: torch.autograd.detect_anomaly())
    assert messages == [
        "Anomaly Detection has been enabled. "
        "This mode will increase the runtime and should only be enabled for debugging."
    ]


# --- gradient clipping ----------------------------------------------------------------------------


def page_example():
    """The page's model and gradients."""
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    inputs = torch.randn(8, 4) * 10
    targets = torch.randn(8, 2)
    F.mse_loss(model(inputs), targets).backward()
    return list(model.parameters())


def flat_grad(params):
    return torch.cat([p.grad.flatten() for p in params])


def random_gradients(seed, scale):
    g = torch.Generator().manual_seed(seed)
    params = [torch.nn.Parameter(torch.zeros(shape)) for shape in [(3, 4), (4,), (2,)]]
    for p in params:
        p.grad = torch.randn(p.shape, generator=g) * scale
    return params


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 5.0])
def test_clip_grad_norm_returns_the_norm_before_and_keeps_the_direction(seed, max_norm):
    params = random_gradients(seed, scale=3.0)
    original = flat_grad(params).clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm=max_norm)
    assert total.dim() == 0
    torch.testing.assert_close(total, original.norm())
    clipped = flat_grad(params)
    factor = min(1.0, max_norm / (total.item() + 1e-6))
    torch.testing.assert_close(clipped, original * factor)
    assert torch.cosine_similarity(clipped, original, dim=0).item() == pytest.approx(1.0, abs=1e-6)
    assert clipped.norm().item() <= max(max_norm, original.norm().item()) * (1 + 1e-6)


def test_clip_grad_norm_leaves_a_small_gradient_alone():
    params = random_gradients(0, scale=0.01)
    original = flat_grad(params).clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert total.item() < 1.0 and torch.equal(flat_grad(params), original)


def test_page_example_numbers():
    params = page_example()
    original = flat_grad(params).clone()
    assert round(original.norm().item(), 3) == 73.658
    total = torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
    torch.testing.assert_close(total, original.norm())  # per-parameter norms combined: equal up to rounding
    assert flat_grad(params).norm().item() == pytest.approx(total.item() / (total.item() + 1e-6), rel=1e-6)


def test_clipping_by_norm_is_sgd_with_a_smaller_learning_rate():
    lr = 0.1
    clipped_params = random_gradients(3, scale=4.0)
    plain_params = random_gradients(3, scale=4.0)
    total = torch.nn.utils.clip_grad_norm_(clipped_params, max_norm=1.0)
    torch.optim.SGD(clipped_params, lr=lr).step()
    torch.optim.SGD(plain_params, lr=lr / (total.item() + 1e-6)).step()
    for a, b in zip(clipped_params, plain_params):
        torch.testing.assert_close(a.detach(), b.detach())


def test_clip_grad_value_cuts_components_and_turns_the_page_example():
    params = page_example()
    original = flat_grad(params).clone()
    assert torch.nn.utils.clip_grad_value_(params, clip_value=1.0) is None
    clipped = flat_grad(params)
    assert torch.equal(clipped, original.clamp(-1.0, 1.0))
    inside = original.abs() <= 1.0
    assert inside.sum().item() == 1 and original[inside].item() == pytest.approx(0.6587, abs=1e-4)
    cosine = torch.cosine_similarity(clipped, original, dim=0).item()
    assert round(cosine, 4) == 0.7477
    assert round(math.degrees(math.acos(cosine)), 1) == 41.6
    assert clipped.norm().item() <= 1.0 * math.sqrt(clipped.numel())
    assert round(clipped.norm().item(), 4) == 3.0715


def test_figure_angles():
    def clipped(clip):
        w = torch.nn.Parameter(torch.zeros(2))
        w.grad = torch.tensor([2.4, 0.6])
        clip([w], 1.0)
        return w.grad

    def angle(v):
        return round(math.degrees(math.atan2(v[1].item(), v[0].item())), 1)

    by_norm, by_value = clipped(torch.nn.utils.clip_grad_norm_), clipped(torch.nn.utils.clip_grad_value_)
    assert angle(torch.tensor([2.4, 0.6])) == angle(by_norm) == 14.0 and angle(by_value) == 31.0
    assert by_norm.norm().item() == pytest.approx(1.0, abs=1e-6)
    assert [round(v, 2) for v in by_norm.tolist()] == [0.97, 0.24] and by_value.tolist() == pytest.approx([1.0, 0.6])


def test_one_nan_component_spoils_every_gradient_and_inf_zeroes_the_rest():
    params = page_example()
    params[1].grad[0] = math.nan
    assert torch.nn.utils.clip_grad_norm_(params, max_norm=1.0).isnan()
    assert flat_grad(params).isnan().all()

    params = page_example()
    params[1].grad[0] = math.inf
    assert torch.nn.utils.clip_grad_norm_(params, max_norm=1.0).isinf()
    grads = flat_grad(params)
    bad = params[0].numel()  # position of params[1].grad[0] in the flat vector
    assert grads[bad].isnan() and grads.isnan().sum() == 1
    assert torch.equal(torch.cat([grads[:bad], grads[bad + 1 :]]), torch.zeros(grads.numel() - 1))


def test_error_if_nonfinite_raises_for_nan_and_inf_and_defaults_to_false():
    import inspect

    signature = inspect.signature(torch.nn.utils.clip_grad_norm_)
    assert signature.parameters["error_if_nonfinite"].default is False
    for bad in (math.nan, math.inf):
        params = page_example()
        params[1].grad[0] = bad
        with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
            torch.nn.utils.clip_grad_norm_(params, max_norm=1.0, error_if_nonfinite=True)


# --- the exercises ----------------------------------------------------------------------------------


def test_exercise_1_safe_sinc_has_the_analytic_gradient_everywhere():
    x = torch.arange(-30, 31, dtype=torch.float64) / 10
    assert (x == 0).any()
    trap = grad_at(lambda t: torch.where(t != 0, torch.sin(t) / t, 1.0), x.tolist(), torch.float64)
    assert torch.equal(trap.isnan(), x == 0)

    def safe(t):
        safe_t = torch.where(t != 0, t, 1.0)
        return torch.where(t != 0, torch.sin(safe_t) / safe_t, 1.0)

    grad = grad_at(safe, x.tolist(), torch.float64)
    nonzero = x != 0
    analytic = (x * x.cos() - x.sin()) / x**2
    assert grad[~nonzero].item() == 0.0
    torch.testing.assert_close(grad[nonzero], analytic[nonzero])
    torch.testing.assert_close(grad_at(lambda t: torch.sinc(t / torch.pi), x.tolist(), torch.float64), grad)


@pytest.mark.parametrize("slope", [0.01, 0.1, 0.3])
def test_exercise_2_leaky_relu_takes_the_left_slope_at_zero(slope):
    assert grad_at(lambda x: F.leaky_relu(x, slope), 0.0).item() == pytest.approx(slope)


def test_exercise_2_hardtanh_and_relu6_take_the_flat_side_where_clamp_passes():
    assert grad_at(F.hardtanh, [-1.0, 1.0]).tolist() == [0.0, 0.0]
    assert grad_at(lambda x: x.clamp(-1, 1), [-1.0, 1.0]).tolist() == [1.0, 1.0]
    assert grad_at(F.relu6, [0.0, 6.0]).tolist() == [0.0, 0.0]
    xs = torch.linspace(-2.0, 2.0, 9)
    assert torch.equal(F.hardtanh(xs), xs.clamp(-1, 1))  # the same function


def test_exercise_4_skips_the_step_on_a_nan_gradient_and_takes_it_with_the_safe_pattern():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs = torch.randn(4, 3)
    out = model(inputs).squeeze(1)
    assert (out < 0).sum().item() == 3
    torch.where(out > 0, out.sqrt(), 0.0).sum().backward()
    assert model.weight.grad.isnan().all() and model.bias.grad.isnan().all()
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert not torch.isfinite(total)
    optimizer.zero_grad()
    out = model(inputs).squeeze(1)
    safe = torch.where(out > 0, out, 1.0)
    torch.where(out > 0, safe.sqrt(), 0.0).sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())


# --- the documented rule: every row an instance of it but for exceptions, which are not only two ----

TORCH_2_14 = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2]) >= (2, 14)


def one_sided_slopes(fn, point, step=1e-3):
    """The gradients just left and just right of `point` (the functions here are piecewise linear)."""
    return grad_at(fn, point - step).item(), grad_at(fn, point + step).item()


def minimum_norm(left, right):
    """The element of smallest size of the interval between the two one-sided slopes: the subgradient
    of minimum norm where the function is convex (left <= right), the supergradient where it is
    concave (left >= right)."""
    low, high = min(left, right), max(left, right)
    return min(max(0.0, low), high)


KINKS = [
    ("relu at 0", torch.relu, 0.0),
    ("abs at 0", torch.abs, 0.0),
    ("leaky_relu at 0", F.leaky_relu, 0.0),
    ("hardtanh at 1", F.hardtanh, 1.0),
    ("hardtanh at -1", F.hardtanh, -1.0),
    ("relu6 at 6", F.relu6, 6.0),
    ("relu6 at 0", F.relu6, 0.0),
]


@pytest.mark.parametrize("name, fn, point", KINKS, ids=[k[0] for k in KINKS])
def test_a_kink_takes_the_sub_or_supergradient_of_minimum_norm(name, fn, point):
    left, right = one_sided_slopes(fn, point)
    assert left != right, "not a kink"
    assert grad_at(fn, point).item() == pytest.approx(minimum_norm(left, right))


def test_abs_at_zero_takes_neither_one_sided_slope():
    assert one_sided_slopes(torch.abs, 0.0) == (-1.0, 1.0)
    assert grad_at(torch.abs, 0.0).item() == 0.0 == minimum_norm(-1.0, 1.0)


def test_maximum_of_two_equal_inputs_takes_the_pair_of_minimum_norm():
    # the subgradients of max(x, y) at x = y are (t, 1 - t), t in [0, 1]; the smallest is t = 1/2
    x = torch.tensor(0.0, requires_grad=True)
    y = torch.tensor(0.0, requires_grad=True)
    torch.maximum(x, y).backward()
    t = torch.linspace(0, 1, 101)
    best = t[torch.argmin(t**2 + (1 - t) ** 2)].item()
    assert (x.grad.item(), y.grad.item()) == (best, 1 - best) == (0.5, 0.5)


@pytest.mark.parametrize("ties", [2, 3, 5])
def test_a_tie_for_the_maximum_takes_the_even_weighting_of_minimum_norm(ties):
    values = [0.0] + [3.0] * ties
    expected = [0.0] + [1.0 / ties] * ties  # the point of the simplex nearest 0
    for fn in (torch.max, torch.amax, lambda x: x.amax(dim=0)):
        assert torch.allclose(grad_at(fn, values), torch.tensor(expected))


def test_max_with_dim_is_an_exception_a_subgradient_but_not_of_minimum_norm():
    grad = grad_at(lambda x: x.max(dim=0).values, [1.0, 3.0, 3.0])
    assert grad.tolist() == [0.0, 1.0, 0.0]
    assert grad.sum().item() == 1.0  # a subgradient ...
    assert grad.norm().item() > torch.tensor([0.0, 0.5, 0.5]).norm().item()  # ... not the smallest


def test_sqrt_at_zero_takes_the_limit_by_continuity():
    assert grad_at(torch.sqrt, 0.0).item() == INF
    assert [grad_at(torch.sqrt, h).item() for h in (1e-4, 1e-8)] == sorted(
        grad_at(torch.sqrt, h).item() for h in (1e-4, 1e-8)
    )  # growing without bound as x -> 0+


def test_norms_at_zero_take_the_subgradient_of_minimum_norm():
    for fn in (torch.norm, torch.linalg.vector_norm):
        assert torch.equal(grad_at(fn, [0.0, 0.0, 0.0]), torch.zeros(3))


@pytest.mark.parametrize(
    "fn, point, rule",
    [
        (lambda x: x.clamp(min=0), 0.0, 0.0),
        (lambda x: x.clamp(max=0), 0.0, 0.0),
        (lambda x: x.clamp(0, 1), 1.0, 0.0),
        (lambda x: x.clamp(-1, 1), -1.0, 0.0),
    ],
)
def test_clamp_at_a_bound_is_the_exception_that_torch_2_14_changed(fn, point, rule):
    left, right = one_sided_slopes(fn, point)
    assert minimum_norm(left, right) == rule
    assert grad_at(fn, point).item() == (rule if TORCH_2_14 else 1.0)


def test_ieee_754_gives_nan_for_infinity_times_zero():
    assert math.isnan(math.inf * 0.0)
    assert torch.isnan(torch.tensor(math.inf) * 0.0)


def test_clip_grad_norm_shrinks_a_gradient_whose_norm_is_exactly_max_norm():
    w = torch.nn.Parameter(torch.zeros(2))
    w.grad = torch.tensor([0.6, 0.8])  # norm 1
    total = torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    assert total.item() == 1.0
    assert w.grad.norm().item() < 1.0
    assert torch.allclose(w.grad, torch.tensor([0.6, 0.8]) / (1 + 1e-6))
    # well below max_norm, the factor is min(1, ...) = 1 and nothing changes
    w.grad = torch.tensor([0.3, 0.4])
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    assert torch.equal(w.grad, torch.tensor([0.3, 0.4]))


def test_an_undefined_point_gives_nan_for_sqrt_but_minus_one_for_log():
    # rule 5: an arbitrary value, "usually nan" is not "always nan"
    x = torch.tensor(-1.0, requires_grad=True)
    torch.sqrt(x).backward()
    assert torch.isnan(x.grad)
    x = torch.tensor(-1.0, requires_grad=True)
    torch.log(x).backward()
    assert x.grad.item() == -1.0


def test_bernoulli_records_a_node_whose_backward_returns_zeros_without_raising():
    # rule 6 as the documentation states it is not kept by every random operation
    p = torch.tensor([0.3, 0.6], requires_grad=True)
    sample = torch.bernoulli(p)
    assert type(sample.grad_fn).__name__ == "BernoulliBackward0"
    sample.sum().backward()
    assert torch.equal(p.grad, torch.zeros(2))


def test_maximum_with_a_constant_still_takes_half_while_relu_of_the_same_function_takes_zero():
    # max(x, 0) as a function of x alone is relu (minimum-norm subgradient 0);
    # torch.maximum applies the rule to the two-input operation and returns its x-part
    x = torch.tensor(0.0, requires_grad=True)
    torch.maximum(x, torch.tensor(0.0)).backward()
    assert x.grad.item() == 0.5
    x = torch.tensor(0.0, requires_grad=True)
    torch.relu(x).backward()
    assert x.grad.item() == 0.0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_call_of_maximum_the_prose_sets_as_code_runs_as_written(lang):
    # torch.maximum takes two tensors: the shorthand torch.maximum(x, 0) raises, so the prose spells the 0 out.
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        torch.maximum(torch.tensor(0.0), 0)
    text = PAGES[lang].read_text(encoding="utf-8")
    prose, fenced = [], False
    for line in text.splitlines():  # drop fenced blocks
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            prose.append(line)
    prose = "\n".join(prose)
    calls = [span for span in re.findall(r"`([^`\n]+)`", prose) if re.search(r"maximum\(", span)]
    assert "torch.maximum(x, torch.tensor(0.0))" in calls
    for span in calls:
        x = torch.tensor(0.0, requires_grad=True)
        eval(span, {"torch": torch}, {"x": x, "y": torch.tensor(0.0)}).backward()
        assert x.grad.item() == 0.5, span


def test_the_safe_pattern_at_zero_gives_the_left_limit_zero_of_the_two_by_continuity():
    # 0 on the left, sqrt on the right: continuity allows 0 (left) or inf (right)
    x = torch.tensor([-1e-6, 0.0, 1e-6], requires_grad=True)
    y = torch.where(x > 0, torch.where(x > 0, x, 1.0).sqrt(), 0.0)
    y.sum().backward()
    assert x.grad[0].item() == 0.0 and x.grad[1].item() == 0.0
    assert x.grad[2].item() > 400.0  # the right derivative grows without bound


def test_max_with_dim_is_the_same_exception_on_every_recorded_release_and_only_clamp_changed():
    records = json.loads((ROOT / "versions" / "torch-versions.json").read_text(encoding="utf-8"))
    for version, record in records["versions"].items():
        for block in record.get("pages", {}).get("docs/en/nan-gradients.md", []):
            if block["block"] != 1 or block["status"] == "same":
                continue
            changed = [
                line[1:].split()[0]
                for line in block["diff"].splitlines()
                if line[:1] in "+-" and not line.startswith(("+++", "---"))
            ]
            assert set(changed) == {"clamp(x,"}, (version, changed)


# --- the expert review of nan-gradients.md (findings 2, 4, 5, 8, 9) --------------------------------


def test_a_step_against_the_minimum_norm_subgradient_descends_and_a_step_along_it_ascends():
    # relu(x) + x / 2 at 0: the subgradients fill [0.5, 1.5], the one of minimum norm is 0.5
    def f(x):
        return torch.relu(x) + 0.5 * x

    g = grad_at(f, 0.0).item()
    assert g == 0.5
    zero = torch.tensor(0.0)
    assert f(zero - 0.1 * g).item() < f(zero).item() < f(zero + 0.1 * g).item()


def two_input_grads(fn):
    x = torch.tensor(0.0, requires_grad=True)
    y = torch.tensor(0.0, requires_grad=True)
    fn(x, y).backward()
    return x.grad.item(), y.grad.item()


def test_some_operations_return_another_subgradient_than_the_one_of_minimum_norm():
    # ties: the whole gradient to one element, like x.max(dim=0), on every recorded release
    assert grad_at(lambda x: x.topk(1).values, [1.0, 3.0, 3.0]).tolist() == [0.0, 1.0, 0.0]
    assert grad_at(lambda x: F.max_pool1d(x.view(1, 1, 3), 3), [1.0, 3.0, 3.0]).tolist() == [0.0, 1.0, 0.0]
    # the spectral and nuclear norms at the zero matrix: a multiple of the identity, not 0
    for order, scale in ((2, 0.5), ("nuc", 1.0)):
        grad = grad_at(lambda x: torch.linalg.matrix_norm(x.view(2, 2), ord=order), [0.0] * 4).view(2, 2)
        assert torch.equal(grad, scale * torch.eye(2)), order
    # the Frobenius norm is a vector norm and keeps the rule
    assert torch.equal(grad_at(lambda x: torch.linalg.matrix_norm(x.view(2, 2)), [0.0] * 4), torch.zeros(4))


def test_fmax_splits_a_tie_evenly_only_from_torch_2_14():
    # The page names this test: no block prints fmax at a tie, so the release record cannot show it.
    # fmax and maximum are the same function where neither input is nan; maximum splits a tie on every
    # release, fmax gives the pair (1, 0) up to 2.13 (also on 2.0.1 and 1.12.0) and the even split on 2.14.1.
    assert two_input_grads(torch.maximum) == (0.5, 0.5)
    assert two_input_grads(torch.fmax) == ((0.5, 0.5) if TORCH_2_14 else (1.0, 0.0))
    name = "test_fmax_splits_a_tie_evenly_only_from_torch_2_14"
    assert all(name in page.read_text(encoding="utf-8") for page in PAGES.values())


def float16_and_other_dtypes():
    return [torch.float16, torch.bfloat16, torch.float32]


@pytest.mark.parametrize("dtype", float16_and_other_dtypes(), ids=str)
def test_a_clamp_bound_is_safe_only_if_it_stays_above_zero_in_the_dtype(dtype):
    bound = torch.tensor(1e-12, dtype=dtype).item()
    clamped = grad_at(lambda x: torch.where(x > 0, x.clamp(min=1e-12).sqrt(), 0.0), [-1.0, 0.0, 4.0], dtype)
    replaced = grad_at(SAFE["where"], [-1.0, 0.0, 4.0], dtype)
    assert same(replaced.float(), [0.0, 0.0, 0.25])  # the where form has no such catch
    if dtype == torch.float16:
        assert bound == 0.0
        assert same(clamped.float(), [0.0, 0.0, 0.25] if TORCH_2_14 else [0.0, NAN, 0.25])
    else:
        assert bound > 0.0
        assert same(clamped.float(), [0.0, 0.0, 0.25])


def clipped_by_its_norm(grad: torch.Tensor, max_norm: float) -> torch.Tensor:
    w = torch.nn.Parameter(torch.zeros_like(grad))
    w.grad = grad.clone()
    torch.nn.utils.clip_grad_norm_([w], max_norm=max_norm)
    return w.grad


def exact_float32(values):
    return [float(torch.tensor(v, dtype=torch.float32)) for v in values]


@pytest.mark.parametrize("c", exact_float32([1e-8, 1e-6, 1e-3, 0.1, 0.5, 1.0, 2.0, 3.7, 7.0, 9.9, 11.9]))
def test_with_a_max_norm_below_12_a_gradient_of_exactly_that_norm_is_shrunk_by_c_over_c_plus_1e_6(c):
    grad = torch.tensor([c, 0.0])  # its float32 norm is exactly c
    assert torch.linalg.vector_norm(grad).item() == c
    shrunk = clipped_by_its_norm(grad, c)[0].item()
    assert shrunk < c
    # the factor c / (c + 1e-6), up to float32 rounding: a hair for the usual c, half the gradient at 1e-6
    assert 0.5 < (1 - shrunk / c) / (1e-6 / (c + 1e-6)) < 2.5
    if c == exact_float32([1e-6])[0]:
        assert shrunk / c == pytest.approx(0.5, rel=1e-6)


def test_below_12_every_max_norm_shrinks_a_gradient_of_that_norm_and_from_12_to_32_some_do_not():
    generator = torch.Generator().manual_seed(0)
    below = torch.cat([torch.rand(3000, generator=generator) * 12, torch.rand(1000, generator=generator) * 1e-3])
    below = torch.cat([below, torch.nextafter(torch.tensor(12.0), torch.tensor(0.0)).view(1)])
    for c in below.tolist():
        grad = torch.tensor([c])
        assert clipped_by_its_norm(grad, c)[0].item() < c, c
    # from 12 to 32 float32 rounding now and then gives a factor of exactly 1 ...
    between = (torch.rand(3000, generator=generator) * 20 + 12).tolist()
    kept = [c for c in between if torch.equal(clipped_by_its_norm(torch.tensor([c]), c), torch.tensor([c]))]
    assert 0 < len(kept) < len(between) / 2
    for c in (12.6, 31.999996185302734):  # ... as for these two
        c = exact_float32([c])[0]
        assert torch.equal(clipped_by_its_norm(torch.tensor([c]), c), torch.tensor([c])), c
    for c in (20.0, 30.0, 31.5):  # ... but mostly shortens the gradient
        assert clipped_by_its_norm(torch.tensor([c]), c)[0].item() < c, c


@pytest.mark.parametrize("c", exact_float32([32.0, 50.0, 50.000003814697266, 100.0, 1000.0, 12345.0]))
def test_from_a_max_norm_of_32_the_1e_6_rounds_away_and_each_component_moves_by_at_most_one_ulp(c):
    assert (torch.tensor(c) + 1e-6).item() == c
    generator = torch.Generator().manual_seed(0)
    outcomes = set()
    for _ in range(50):
        grad = torch.randn(10, generator=generator)
        grad = grad / grad.norm() * c
        norm = torch.linalg.vector_norm(grad).item()
        after = clipped_by_its_norm(grad, norm)  # max_norm is the gradient's own norm
        ulp = torch.nextafter(grad.abs(), torch.tensor(INF)) - grad.abs()
        assert ((after - grad).abs() <= ulp).all()
        outcomes.add(torch.equal(after, grad))
    assert True in outcomes  # often left exactly alone ...
    # ... and a gradient of norm exactly 50 is, while 50.0000038 is shortened by one rounding step
    assert torch.equal(clipped_by_its_norm(torch.tensor([50.0, 0.0]), 50.0), torch.tensor([50.0, 0.0]))
    moved = clipped_by_its_norm(torch.tensor([50.000003814697266, 0.0]), 50.000003814697266)
    assert moved[0].item() == torch.nextafter(torch.tensor(50.000003814697266), torch.tensor(0.0)).item()


def anomaly_warnings(forward_inside: bool) -> list[str]:
    x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            if forward_inside:
                with torch.autograd.detect_anomaly():
                    y = torch.where(x > 0, x.sqrt(), 0.0)
                    y.sum().backward()
            else:
                y = torch.where(x > 0, x.sqrt(), 0.0)
                with torch.autograd.detect_anomaly():
                    y.sum().backward()
    return [str(w.message) for w in caught if str(w.message).startswith("Error detected in")]


def test_detect_anomaly_traces_the_forward_line_only_when_the_forward_pass_ran_under_it():
    (inside,) = anomaly_warnings(forward_inside=True)
    assert inside.splitlines()[0] == "Error detected in SqrtBackward0. Traceback of forward call that caused the error:"
    code = [line.strip() for line in inside.splitlines()[1:] if not line.strip().startswith(("File ", "(Triggered"))]
    assert code[-1] == "y = torch.where(x > 0, x.sqrt(), 0.0)"  # the traceback ends at the line that made the node
    (outside,) = anomaly_warnings(forward_inside=False)
    assert outside.startswith("Error detected in SqrtBackward0. No forward pass information available.")
    assert "x.sqrt()" not in outside
