"""The rules docs/<lang>/floating-point.md states, tried on the cases that break rules.

The page's own blocks check its outputs; these tests try each general sentence on more inputs:
every float32 exponent (e = 0 and the ends of the normal range among them), zeros, subnormals,
overflow, create_graph=True, no_grad, other shapes, and the plain CPU kernels.
"""

import inspect
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
from torch.autograd import gradcheck
from torch.autograd.gradcheck import GradcheckError

UP32 = torch.tensor(math.inf)
F = torch.nn.functional


def draws(n, count, seed=0, dtype=torch.float32):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(count):
        yield torch.randn(n, generator=gen, dtype=dtype)


def grad_of(f, values, **backward_kwargs):
    x = values.clone().requires_grad_(True)
    f(x).backward(**backward_kwargs)
    return x.grad


def norm_squared(t):
    return torch.norm(t) ** 2


# "For a normal float32 x with 2^e ≤ |x| < 2^(e+1) (-126 ≤ e ≤ 127) the float32 numbers are 2^(e-23) apart."


def float32(value):
    return torch.tensor(value, dtype=torch.float64).float()


@pytest.mark.parametrize("sign", [1, -1])
def test_float32_spacing_is_2_to_the_e_minus_23_for_every_normal_exponent(sign):
    for e in range(-126, 128):
        gap = 2.0 ** (e - 23)
        lowest = float32(sign * 2.0**e)
        highest = float32(sign * (2.0 ** (e + 1) - gap))  # the largest float32 below 2^(e+1)
        inside = float32(sign * 1.5 * 2.0**e)
        for x in (lowest, highest, inside):
            if e == 127 and x is highest:
                continue  # beyond the largest float32 lies inf, outside the range
            away = torch.nextafter(x, sign * UP32)
            assert abs(away.double() - x.double()).item() == gap, (e, x)
        # Towards zero from inside the range, the neighbour is in the same range: the same gap.
        assert abs(torch.nextafter(highest, torch.tensor(0.0)).double() - highest.double()).item() == gap


def test_e_is_0_for_1_and_1_for_3():
    assert (torch.nextafter(torch.tensor(1.0), UP32) - 1).item() == 2.0**-23
    assert (torch.nextafter(torch.tensor(3.0), UP32) - 3).item() == 2.0**-22
    assert (torch.nextafter(torch.tensor(1.999), UP32).double() - float32(1.999).double()).item() == 2.0**-23


def test_below_1_the_float32_spacing_halves():
    one = torch.tensor(1.0)
    assert (one - torch.nextafter(one, torch.tensor(0.0))).item() == 2.0**-24


def test_below_the_normal_range_the_spacing_stops_shrinking():
    # Why the page says "normal": subnormal float32 numbers are all 2^-149 apart.
    for x in (0.0, 2.0**-149, 2.0**-130, 2.0**-127):
        assert (torch.nextafter(float32(x), UP32).double() - float32(x).double()).item() == 2.0**-149


def test_float64_spacing_is_2_to_the_e_minus_52_and_math_ulp_gives_it():
    for e in range(-1022, 1024, 7):
        x = 1.5 * 2.0**e
        assert math.nextafter(x, math.inf) - x == 2.0 ** (e - 52) == math.ulp(x)
        assert math.ulp(-x) == math.ulp(x)


def test_torch_nextafter_works_in_the_dtype_of_its_input():
    one = torch.tensor(1.0, dtype=torch.float64)
    up = torch.nextafter(one, torch.tensor(math.inf, dtype=torch.float64))
    assert up.dtype == torch.float64 and (up - one).item() == 2.0**-52


def test_torch_nextafter_returns_the_dtype_that_type_promotion_gives_the_pair():
    # The page's example: a float32 x and a float64 y, both without dimensions, give float64.
    up = torch.nextafter(torch.tensor(1.0), torch.tensor(2.0, dtype=torch.float64))
    assert up.dtype == torch.float64 and up.item() - 1 == 2.0**-52
    pairs = [
        (torch.tensor(1.0), torch.tensor(2.0, dtype=torch.float64)),
        (torch.tensor([1.0]), torch.tensor(2.0, dtype=torch.float64)),  # a 0-dim y does not promote x
        (torch.tensor(1.0, dtype=torch.float64), torch.tensor(2.0)),
        (torch.tensor(1.0, dtype=torch.float16), torch.tensor(2.0)),
        (torch.tensor([1.0], dtype=torch.float16), torch.tensor([2.0])),
        (torch.tensor([1.0]), torch.tensor([2.0], dtype=torch.float64)),
    ]
    for x, y in pairs:
        assert torch.nextafter(x, y).dtype == torch.result_type(x, y) == (x + y).dtype, (x.dtype, y.dtype)


def test_the_smallest_normal_float32_is_2_to_the_minus_126_and_inf_has_no_spacing():
    assert torch.finfo(torch.float32).tiny == 2.0**-126
    inf = torch.tensor(math.inf)
    assert torch.nextafter(inf, inf) == inf and torch.isnan(torch.nextafter(inf, inf) - inf)
    largest = torch.tensor(torch.finfo(torch.float32).max)
    assert torch.isinf(torch.nextafter(largest, inf))  # beyond the normal range lies inf, not a neighbour 2^104 away


def test_rounding_to_float32_has_relative_error_at_most_2_to_the_minus_24_in_the_normal_range():
    u = 2.0**-24
    gen = torch.Generator().manual_seed(0)
    for scale in (1e-37, 1e-10, 1.0, 1e10, 1e37):
        x = torch.randn(10_000, generator=gen, dtype=torch.float64) * scale
        x = x[x.abs() >= 2.0**-126]
        assert ((x.float().double() - x).abs() <= u * x.abs()).all()


# "Doing the two roundings by hand in the same order gives a.grad exactly", and the gap is one ulp in the example.


def test_norm_squared_gradient_is_a_over_s_times_2s_at_many_points_and_sizes():
    for n in (1, 5, 100):
        for values in draws(n, 100):
            s = torch.linalg.vector_norm(values)
            assert torch.equal(grad_of(norm_squared, values), (values / s) * (2 * s))


def test_the_page_example_is_one_ulp_above_2a():
    values = torch.randn(5, generator=torch.Generator().manual_seed(1))
    grad = grad_of(norm_squared, values)
    assert grad[3] == torch.nextafter(2 * values[3], UP32)
    assert torch.equal(grad[[0, 1, 2, 4]], 2 * values[[0, 1, 2, 4]])


def fraction_equal(n, count):
    return sum(torch.equal(grad_of(norm_squared, v), 2 * v) for v in draws(n, count)) / count


def test_with_5_elements_some_draws_hit_2a_everywhere_and_many_do_not():
    assert 0.2 <= fraction_equal(5, 400) <= 0.8


def test_with_100_elements_almost_every_draw_has_an_element_off():
    assert fraction_equal(100, 200) < 0.05


# "torch 1.12 divided the incoming 2s by s first, which gives exactly 2, so there the gradient is 2 * a for every a
# whose norm comes out finite and not 0. On torch 2, with more elements there are more chances."

OLDEST_PYTHON = Path(__file__).resolve().parent.parent / ".venvs" / "torch-1.12.0" / "bin" / "python"
ON_1_12 = """
import torch
gen = torch.Generator().manual_seed(0)
order, twice = True, True
for n in (1, 5, 100, 1000):
    for k in range(300):
        v = torch.randn(n, generator=gen) * 10.0 ** (k % 31 - 15)
        a = v.clone().requires_grad_()
        (torch.norm(a) ** 2).backward()
        s = torch.norm(v)
        order &= torch.equal(a.grad, v * ((2 * s) / s))
        twice &= torch.equal(a.grad, 2 * v)
        b = v.clone().requires_grad_()
        (torch.norm(b) * 0.7).backward()
        order &= torch.equal(b.grad, v * (torch.tensor(0.7) / s))
print(torch.__version__.split("+")[0], order, twice)
for values in ([1e30, 1.0], [1e-45, 3e-45]):  # the norm overflows to inf, or underflows to 0
    v = torch.tensor(values)
    a = v.clone().requires_grad_()
    (torch.norm(a) ** 2).backward()
    print(torch.norm(v).item(), torch.equal(a.grad, 2 * v))
"""


@pytest.mark.skipif(not OLDEST_PYTHON.exists(), reason="no .venvs/torch-1.12.0 (made by `make versions`)")
def test_on_torch_1_12_the_norm_squared_gradient_is_2a_wherever_the_norm_is_finite_and_not_0():
    out = subprocess.run([str(OLDEST_PYTHON), "-c", ON_1_12], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:3] == ["1.12.0 True True", "inf False", "0.0 False"]


def test_on_the_pinned_torch_the_norm_overflows_and_underflows_as_on_torch_1_12():
    """The condition the page gives for torch 1.12 is needed on torch 2 as well: neither gives 2a there."""
    for values, norm in (([1e30, 1.0], math.inf), ([1e-45, 3e-45], 0.0)):
        v = torch.tensor(values)
        assert torch.norm(v).item() == norm
        assert not torch.equal(grad_of(norm_squared, v), 2 * v)


def test_at_zero_both_gradients_are_zero_but_the_hessian_through_the_norm_is_nan():
    zero = torch.zeros(3)
    assert torch.equal(grad_of(norm_squared, zero), zero)
    assert torch.equal(grad_of(lambda t: (t * t).sum(), zero), zero)
    assert torch.isnan(torch.autograd.functional.hessian(norm_squared, zero)).all()
    assert torch.equal(torch.autograd.functional.hessian(lambda t: (t * t).sum(), zero), 2 * torch.eye(3))
    # Away from zero the norm's Hessian is 2I too, up to rounding.
    assert torch.allclose(torch.autograd.functional.hessian(norm_squared, torch.ones(3)), 2 * torch.eye(3))


# "The one through torch.norm is wrong, and no error says so: a second backward walk gives all nan,
# torch.func.hessian gives all 0, and on torch 1.12 the second backward walk gives all 0 as well."

OLDEST = Path(__file__).resolve().parent.parent / ".venvs" / "torch-1.12.0" / "bin" / "python"


def test_at_zero_the_hessian_through_the_norm_is_nan_by_double_backward_and_zero_by_torch_func_hessian():
    zero = torch.zeros(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "no error says so": not even a warning about the result
        warnings.filterwarnings("ignore", category=DeprecationWarning)  # torch's notice about its own torch.jit use
        by_double_backward = torch.autograd.functional.hessian(norm_squared, zero)
        by_reverse_over_reverse = torch.func.jacrev(torch.func.jacrev(norm_squared))(zero)
        by_forward_over_reverse = torch.func.hessian(norm_squared)(zero)
    assert torch.isnan(by_double_backward).all() and torch.isnan(by_reverse_over_reverse).all()
    assert torch.equal(by_forward_over_reverse, torch.zeros(3, 3))
    # Both are wrong: the true Hessian of the sum of squares is 2I, and (a * a).sum() gives it both ways.
    assert torch.equal(torch.func.hessian(lambda t: (t * t).sum())(zero), 2 * torch.eye(3))


@pytest.mark.skipif(not OLDEST.exists(), reason="no .venvs/torch-1.12.0 (made by `make versions`)")
def test_on_torch_1_12_the_second_backward_walk_through_the_norm_gives_all_zeros_at_zero():
    code = (
        "import torch\n"
        "h = torch.autograd.functional.hessian(lambda t: torch.norm(t) ** 2, torch.zeros(3))\n"
        "print(torch.__version__.split('+')[0], torch.equal(h, torch.zeros(3, 3)))\n"
    )
    out = subprocess.run([str(OLDEST), "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1.12.0", "True"]


# "(a * a).sum() gives 2 * a bit for bit, for every finite a (where 2a overflows, both sides are inf)."

EDGE_VALUES = torch.tensor(
    [0.0, -0.0, 2.0**-149, -(2.0**-140), 2.0**-126, 1.0, -3.0, 1e30, 3e38, -3e38, torch.finfo(torch.float32).max]
)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("kwargs", [{}, {"create_graph": True}], ids=["plain", "create_graph"])
def test_sum_of_squares_gradient_is_exactly_2a_at_edge_values(kwargs):
    grad = grad_of(lambda t: (t * t).sum(), EDGE_VALUES, **kwargs)
    assert torch.equal(grad, 2 * EDGE_VALUES)
    assert torch.isinf(grad[-3:]).all()  # 2a overflows: inf on both sides


@pytest.mark.parametrize("n", [1, 5, 100, 10_000])
def test_sum_of_squares_gradient_is_exactly_2a_for_random_vectors(n):
    for values in draws(n, 50):
        assert torch.equal(grad_of(lambda t: (t * t).sum(), values), 2 * values)


def test_a_plus_a_is_exact_even_in_float16_and_bfloat16():
    for dtype in (torch.float16, torch.bfloat16):
        values = torch.randn(1000, generator=torch.Generator().manual_seed(0)).to(dtype)
        assert torch.equal(values + values, (values.double() * 2).to(dtype))


def test_the_exact_rules_hold_under_the_plain_cpu_kernels():
    code = """
import torch
gen = torch.Generator().manual_seed(0)
for n in (5, 100):
    for _ in range(100):
        v = torch.randn(n, generator=gen)
        a = v.clone().requires_grad_()
        (a * a).sum().backward()
        assert torch.equal(a.grad, 2 * v)
        b = v.clone().requires_grad_()
        (torch.norm(b) ** 2).backward()
        s = torch.linalg.vector_norm(v)
        assert torch.equal(b.grad, (v / s) * (2 * s))
print(torch.backends.cpu.get_cpu_capability())
"""
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "DEFAULT"


# Finite differences: "truncation error shrinks like ε²", "rounding error grows as ε shrinks",
# "smallest near u^(1/3)", "at ε = 1e-6 float32 is off in the third decimal, float64 still good".


def central_error(eps, dtype, at=1.0):
    x = torch.tensor(at, dtype=dtype)
    return abs(((torch.sin(x + eps) - torch.sin(x - eps)) / (2 * eps)).item() - math.cos(at))


@pytest.mark.parametrize("at", [1.0, 0.3, 2.0])
def test_the_truncation_error_shrinks_like_eps_squared(at):
    ratio = central_error(1e-1, torch.float64, at) / central_error(1e-2, torch.float64, at)
    assert 95 < ratio < 105


@pytest.mark.parametrize("dtype, best", [(torch.float32, {1e-2, 1e-3}), (torch.float64, {1e-5, 1e-6})])
def test_the_best_power_of_ten_step_is_near_the_cube_root_of_u(dtype, best):
    steps = [10.0**-k for k in range(1, 10)]
    assert min(steps, key=lambda eps: central_error(eps, dtype)) in best
    u = 2.0**-24 if dtype == torch.float32 else 2.0**-53
    assert any(0.1 < eps / u ** (1 / 3) < 10 for eps in best)


@pytest.mark.parametrize("eps", [1e-4, 1e-5, 1e-6])
def test_rounding_the_points_alone_moves_the_float32_estimate_about_as_much_as_rounding_f(eps):
    x = torch.tensor(1.0)
    plus, minus = (x + eps).item(), (x - eps).item()  # the float32 points the difference really uses
    # With sin computed exactly at those points, only the rounding of x ± eps is left.
    points_only = abs((math.sin(plus) - math.sin(minus)) / (2 * eps) - math.cos(1.0))
    # Dividing float32 values of sin by the step really taken leaves only the rounding of f.
    f_only = abs((torch.sin(x + eps) - torch.sin(x - eps)).item() / (plus - minus) - math.cos(1.0))
    truncation = eps**2 * math.cos(1.0) / 6
    assert points_only > 100 * truncation and f_only > 100 * truncation
    assert 0.1 < points_only / f_only < 10
    assert abs((plus - minus) - 2 * eps) <= 2 * 2.0**-24 * 1.0 + 2 * eps * 2.0**-24  # "up to about 2u|x|"


def test_for_every_step_up_to_2_to_the_minus_24_the_float32_estimate_is_exactly_0():
    x = torch.tensor(1.0)
    u = 2.0**-24
    steps = [10 ** (-k / 200) for k in range(1400, 2000)]  # 1e-7 down to 1e-10, 600 steps
    for eps in steps + [u]:
        estimate = ((torch.sin(x + eps) - torch.sin(x - eps)) / (2 * eps)).item()
        assert (estimate == 0) == (eps <= u), eps
    assert abs(central_error(u, torch.float32) - math.cos(1.0)) < 1e-12
    # The figure's steps: flat at cos 1 from the first one below 2^-24 down to the last.
    import fig_finite_difference_error as figure

    flat = [err for eps, err in zip(figure.STEPS, figure.errors(torch.float32)) if eps <= u]
    assert flat and all(err == abs(0.0 - math.cos(1.0)) for err in flat)


def float32_estimate(eps):
    x = torch.tensor(1.0)
    return ((torch.sin(x + eps) - torch.sin(x - eps)) / (2 * eps)).item()


def test_the_float32_estimate_stays_0_down_to_just_above_2_to_the_minus_151_and_is_nan_from_there():
    smallest = 2.0**-151
    assert 3.4e-46 < smallest < 3.6e-46  # "about 3.5e-46"
    steps = [2.0 ** (-k / 4) for k in range(24 * 4, 151 * 4)]  # 2^-24 down to just above 2^-151
    assert all(float32_estimate(eps) == 0 for eps in steps + [math.nextafter(smallest, 1.0)])
    # 2ε rounds to a float32 0 from 2^-151 down (2^-150 is half the smallest subnormal; the tie goes to 0).
    assert float32(2 * smallest).item() == 0 and float32(2 * math.nextafter(smallest, 1.0)).item() == 2.0**-149
    for eps in [smallest, math.nextafter(smallest, 0.0), 1e-46, 1e-300, 5e-324]:
        assert math.isnan(float32_estimate(eps)), eps


def test_the_float32_plateau_holds_under_the_plain_cpu_kernels():
    code = """
import math
import torch
x = torch.tensor(1.0)
def estimate(eps):
    return ((torch.sin(x + eps) - torch.sin(x - eps)) / (2 * eps)).item()
for k in range(1400, 2000, 7):
    eps = 10 ** (-k / 200)
    assert (estimate(eps) == 0) == (eps <= 2.0**-24)
assert estimate(math.nextafter(2.0**-151, 1.0)) == 0 and math.isnan(estimate(2.0**-151))
print(torch.backends.cpu.get_cpu_capability())
"""
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "DEFAULT"


# "(with subnormal numbers, as by default; after torch.set_flush_denormal(True), which treats them as 0, the nan
# starts below about 2^-127)." The setting is global, so it runs in a process of its own.

FLUSHED = """
import math
import torch
if not torch.set_flush_denormal(True):
    print("unsupported")
    raise SystemExit
x = torch.tensor(1.0)
def estimate(eps):
    return ((torch.sin(x + eps) - torch.sin(x - eps)) / (2 * eps)).item()
steps = [2.0 ** (-k / 4) for k in range(24 * 4, 127 * 4 + 1)]  # 2^-24 down to 2^-127
assert all(estimate(eps) == 0 for eps in steps)
for eps in [2.0**-127 * (1 - 2.0**-20), 2.0**-128, 1e-40, 1e-45, 2.0**-151, 1e-300]:
    assert math.isnan(estimate(eps)), eps
torch.set_flush_denormal(False)
assert estimate(2.0**-128) == 0 and estimate(1e-45) == 0  # with subnormals again, the plateau is back
print(torch.backends.cpu.get_cpu_capability())
"""


@pytest.mark.parametrize("capability", [None, "default"], ids=["native", "ATEN_CPU_CAPABILITY=default"])
def test_after_set_flush_denormal_the_float32_estimate_is_nan_from_just_below_2_to_the_minus_127(capability):
    env = dict(os.environ)
    if capability:
        env["ATEN_CPU_CAPABILITY"] = capability
    out = subprocess.run([sys.executable, "-c", FLUSHED], env=env, capture_output=True, text=True, check=True)
    if out.stdout.strip() == "unsupported":
        pytest.skip("this CPU cannot flush subnormal numbers")
    if capability:
        assert out.stdout.strip() == "DEFAULT"


def test_at_gradchecks_step_float32_is_off_in_the_third_decimal_and_float64_is_not():
    assert 1e-3 < central_error(1e-6, torch.float32) < 1e-2
    assert central_error(1e-6, torch.float64) < 1e-9


def test_below_a_few_times_1e_minus_3_the_float32_error_exceeds_the_truncation_error():
    for k in range(24, 73):  # the figure's steps from 10^-3 down
        eps = 10 ** (-k / 8)
        assert central_error(eps, torch.float32) > eps**2 * math.cos(1.0) / 6


# gradcheck: its defaults, what it returns, float32, kinks.


def test_gradchecks_defaults_are_the_ones_the_page_gives():
    parameters = inspect.signature(gradcheck).parameters
    assert parameters["eps"].default == 1e-6
    assert parameters["atol"].default == 1e-5
    assert parameters["rtol"].default == 1e-3
    assert parameters["raise_exception"].default is True


class WrongSquare(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x * x

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x  # should be 2x


def test_gradcheck_raises_on_a_wrong_gradient_or_returns_false_when_asked():
    x = torch.randn(4, generator=torch.Generator().manual_seed(0), dtype=torch.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(WrongSquare.apply, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


EXAMPLES = {
    "sum of squares": lambda t: (t * t).sum(),
    "norm squared": norm_squared,
    "logsumexp": lambda t: torch.logsumexp(t, dim=0),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_gradcheck_passes_in_float64_at_many_points(name):
    for values in draws(5, 20, dtype=torch.float64):
        assert gradcheck(EXAMPLES[name], (values.requires_grad_(),))
    assert gradcheck(EXAMPLES[name], (torch.zeros(5, dtype=torch.float64, requires_grad=True),))


@pytest.mark.parametrize("name", EXAMPLES)
def test_gradcheck_in_float32_warns_and_usually_fails(name):
    values = next(draws(5, 1)).requires_grad_()
    with pytest.warns(UserWarning, match="not a double precision floating point"):
        with pytest.raises(GradcheckError, match="Jacobian mismatch"):
            gradcheck(EXAMPLES[name], (values,))
    failures = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for v in draws(5, 20, seed=1):
            failures += not gradcheck(EXAMPLES[name], (v.requires_grad_(),), raise_exception=False)
    assert failures >= 15


def test_gradcheck_fails_within_eps_of_a_kink_and_passes_away_from_it():
    def at(value):
        return (torch.tensor([value], dtype=torch.float64, requires_grad=True),)

    assert not gradcheck(torch.abs, at(1e-7), raise_exception=False)
    assert gradcheck(torch.abs, at(1e-3))
    assert not gradcheck(torch.relu, at(-1e-7), raise_exception=False)
    assert gradcheck(torch.relu, at(-1e-3))


# log-sum-exp: "gradient = softmax, positive, adds up to 1"; "e^x is inf above about 88.7"; logsumexp does not overflow.


def test_logsumexp_gradient_is_softmax_positive_and_sums_to_one():
    for values in [torch.zeros(7), *draws(7, 100)]:
        grad = grad_of(lambda t: torch.logsumexp(t, dim=0), values)
        assert torch.allclose(grad, torch.softmax(values, dim=0))
        assert (grad > 0).all()
        assert torch.allclose(grad.sum(), torch.tensor(1.0))


def test_float32_exp_overflows_just_above_88_7():
    assert torch.isfinite(torch.exp(torch.tensor(88.72)))
    assert torch.isinf(torch.exp(torch.tensor(88.73)))


@pytest.mark.parametrize("shift", [100.0, 1e4])
def test_logsumexp_stays_finite_where_the_naive_formula_overflows(shift):
    values = torch.tensor([0.0, 1.0, 2.0]) + shift
    naive = grad_of(lambda t: torch.log(torch.exp(t).sum()), values)
    assert torch.isnan(naive).all()
    stable = grad_of(lambda t: torch.logsumexp(t, dim=0), values)
    assert torch.isfinite(stable).all() and (stable > 0).all()
    # Far from 0, x - lse keeps only as many digits as float32 has there: close, not allclose.
    assert torch.allclose(stable, torch.softmax(values, dim=0), atol=2e-3)


@pytest.mark.parametrize(
    "values, nan_at",
    [([100.0, 101.0, 102.0], [0, 1, 2]), ([80.0, 90.0], [1]), ([0.0, 100.0], [1]), ([89.0, 1.0, 95.0], [0, 2])],
)
def test_the_naive_log_sum_exp_gradient_is_nan_where_exp_overflowed_and_0_elsewhere(values, nan_at):
    x = torch.tensor(values, requires_grad=True)
    naive = torch.log(torch.exp(x).sum())
    naive.backward()
    assert torch.isinf(naive)
    overflowed = torch.isinf(torch.exp(x.detach()))
    assert overflowed.nonzero().flatten().tolist() == nan_at
    assert torch.isnan(x.grad[overflowed]).all()
    assert torch.equal(x.grad[~overflowed], torch.zeros(int((~overflowed).sum())))


def test_the_softmax_at_80_and_90_is_about_4_5e_minus_5_and_1():
    s = torch.softmax(torch.tensor([80.0, 90.0]), dim=0)
    assert abs(s[0].item() - 4.54e-5) < 1e-7 and abs(s[1].item() - 1) < 1e-4


def test_the_sum_to_one_is_a_fact_of_the_math_not_of_every_float32_result():
    # The page says softmax's entries add up to 1, about the formula. At 1e30, float32 cannot tell
    # 1e30 + 2 from 1e30, so each exp(x - lse) is exp(0) = 1 and the computed gradient sums to 3.
    grad = grad_of(lambda t: torch.logsumexp(t, dim=0), torch.tensor([0.0, 1.0, 2.0]) + 1e30)
    assert torch.equal(grad, torch.ones(3))


# The linear layer's loss: the formula from differentials; nn.Linear's weight shape; mse_loss's shape rules.


@pytest.mark.parametrize("seed", range(5))
def test_the_differentials_give_the_gradients_of_the_mean_squared_error(seed):
    gen = torch.Generator().manual_seed(seed)
    n = 8
    X, y = torch.randn(n, 3, generator=gen), torch.randn(n, generator=gen)
    w = torch.randn(3, generator=gen, requires_grad=True)
    b = torch.randn((), generator=gen, requires_grad=True)
    ((X @ w + b - y) ** 2).mean().backward()
    r = (X @ w + b - y).detach()
    assert torch.allclose(w.grad, 2 / n * X.T @ r, atol=1e-6)
    assert torch.allclose(b.grad, 2 / n * r.sum(), atol=1e-6)


def test_the_mse_gradient_passes_gradcheck_in_float64():
    gen = torch.Generator().manual_seed(1)
    X = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(8, generator=gen, dtype=torch.float64)
    w = torch.randn(3, generator=gen, dtype=torch.float64, requires_grad=True)
    b = torch.randn((), generator=gen, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda w, b: ((X @ w + b - y) ** 2).mean(), (w, b))


def test_a_linear_layer_has_a_weight_of_shape_1_by_3_and_an_output_of_shape_n_by_1():
    layer = torch.nn.Linear(3, 1)
    assert layer.weight.shape == (1, 3) and layer(torch.zeros(8, 3)).shape == (8, 1)


def test_an_n_by_1_output_against_an_n_target_broadcasts_to_n_by_n_and_changes_the_gradient():
    torch.manual_seed(0)
    n = 8
    X, y = torch.randn(n, 3), torch.randn(n)
    layer = torch.nn.Linear(3, 1)
    assert (layer(X) - y).shape == (n, n)
    with pytest.warns(UserWarning, match="different to the input size"):
        wrong = F.mse_loss(layer(X), y)
    assert torch.allclose(wrong, ((layer(X) - y) ** 2).mean())
    wrong.backward()
    wrong_grad = layer.weight.grad.clone()
    for fixed in (lambda out: (out.squeeze(-1), y), lambda out: (out, y.unsqueeze(-1))):
        layer.zero_grad()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            F.mse_loss(*fixed(layer(X))).backward()
        r = (layer(X).squeeze(-1) - y).detach()
        assert torch.allclose(layer.weight.grad, (2 / n * X.T @ r).unsqueeze(0))
        assert not torch.allclose(layer.weight.grad, wrong_grad)


@pytest.mark.parametrize(
    "input_shape, target_shape", [((8, 1), (8,)), ((8, 2), (2,)), ((1, 8), (8,)), ((8,), (1,)), ((8,), (8, 1))]
)
@pytest.mark.parametrize("mode", ["grad", "no_grad"])
def test_mse_loss_warns_on_any_shape_difference_and_goes_on_when_the_shapes_broadcast(input_shape, target_shape, mode):
    prediction = torch.zeros(input_shape, requires_grad=mode == "grad")
    with torch.set_grad_enabled(mode == "grad"):
        with pytest.warns(UserWarning, match="different to the input size"):
            loss = F.mse_loss(prediction, torch.ones(target_shape))
    assert loss.shape == () and loss.item() == 1.0


@pytest.mark.parametrize("input_shape, target_shape", [((8, 2), (3,)), ((8, 3), (7,)), ((2, 3), (3, 2))])
def test_mse_loss_warns_then_raises_when_the_shapes_do_not_broadcast(input_shape, target_shape):
    with pytest.warns(UserWarning, match="different to the input size"):
        with pytest.raises(RuntimeError, match="must match the size of tensor b"):
            F.mse_loss(torch.zeros(input_shape), torch.zeros(target_shape))


def test_under_the_default_filter_mse_loss_warns_once_per_line_and_message():
    code = """
import torch
import torch.nn.functional as F
for step in range(5):
    F.mse_loss(torch.zeros(8, 1), torch.zeros(8))  # the same line, the same message: shown once
F.mse_loss(torch.zeros(8, 1), torch.zeros(8))  # another line: shown again
for step in range(3):
    F.mse_loss(torch.zeros(8 - step, 1), torch.zeros(8 - step))  # new sizes: a new message each time
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    shown = [line for line in out.stderr.splitlines() if "UserWarning: Using a target size" in line]
    assert len(shown) == 1 + 1 + 3  # the first loop once, the single line once, the last loop at 8, 7 and 6
    assert sum("torch.Size([8])" in line for line in shown) == 3


@pytest.mark.parametrize(
    "change",
    [
        "with warnings.catch_warnings():\n            warnings.simplefilter('ignore', DeprecationWarning)",
        "warnings.filterwarnings('ignore', category=DeprecationWarning)",
        "warnings.resetwarnings()",
    ],
    ids=["catch_warnings", "filterwarnings", "resetwarnings"],
)
def test_any_change_of_the_warning_filters_shows_the_mse_loss_warning_once_more(change):
    code = f"""
import warnings
import torch
import torch.nn.functional as F
for step in range(5):
    if step == 2:
        {change}
    F.mse_loss(torch.zeros(8, 1), torch.zeros(8))
    print(f"step {{step}}", flush=True)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True
    )
    shown_before, current = {}, 0
    for line in out.stdout.splitlines():
        if line.startswith("step "):
            shown_before[int(line.split()[1])], current = current, 0
        elif "UserWarning: Using a target size" in line:
            current += 1
    # Shown at the first step, hidden at the second, shown once more after the change, then hidden again.
    assert shown_before == {0: 1, 1: 0, 2: 1, 3: 0, 4: 0}


def test_mse_loss_with_equal_shapes_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(torch.zeros(8, 1), torch.zeros(8, 1))


def test_allclose_lets_w_times_a_i_pass_for_k_times_a_i_while_w_is_within_about_atol_over_a_i_plus_rtol_k():
    # allclose(x, y): |x - y| <= atol + rtol |y|; with x = w a_i, y = k a_i: |w - k| <= atol / |a_i| + rtol |k|.
    atol, rtol = 1e-8, 1e-5
    for k in (512.0, 51200.0, -3.0):
        for a_i in (1e-9, -1e-9, 2e-11, 1e-6, 1e-3, 0.5, 3.0):
            a = torch.tensor([a_i])
            bound = atol / abs(a[0].item()) + rtol * abs(k)
            for factor, passes in ((0.9, True), (-0.9, True), (1.1, False), (-1.1, False)):
                assert torch.allclose(torch.tensor([k + factor * bound]) * a, k * a) == passes, (k, a_i, factor)
    # The page's numbers: k = 512, a_i = 1e-9 gives about 10, so 520 passes and 523 does not.
    assert abs(1e-8 / 1e-9 + 1e-5 * 512 - 10) < 0.01
    a = torch.tensor([1.0, 1e-9, 2.0])
    assert torch.allclose(torch.tensor([512.0, 520.0, 512.0]) * a, 512 * a)
    assert not torch.allclose(torch.tensor([512.0, 523.0, 512.0]) * a, 512 * a)
    # At a_i = 0 every finite w passes; an infinite one does not (inf * 0 is nan).
    zero = torch.zeros(1)
    for w in (7.0, -1e30, 3e38, 0.0):
        assert torch.allclose(torch.tensor([w]) * zero, 512 * zero)
    assert not torch.allclose(torch.tensor([math.inf]) * zero, 512 * zero)
