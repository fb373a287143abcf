"""The rules docs/<lang>/gradient-of-scalar-function.md states, tried on the cases that break rules.

The page's own blocks check its outputs; these tests try each general sentence on more inputs:
zeros, other shapes, constants, create_graph=True, no_grad, and a lower CPU capability.
"""

import os
import subprocess
import sys
import warnings

import pytest
import torch


def draws(n, count, seed=0, dtype=torch.float32):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(count):
        yield torch.randn(n, generator=gen, dtype=dtype)


def grad_of(f, values, **backward_kwargs):
    x = values.clone().requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # backward(create_graph=True) warns of a reference cycle, once per process
        f(x).backward(**backward_kwargs)
    return x.grad


def quadratic(t):
    return t[0] ** 2 + 3 * t[1] ** 2


# "Among all nudges of the same small length, ∇fᵀΔx is largest when Δx points along ∇f (a dot product of two
# vectors of fixed lengths is largest when they point the same way)."


def test_no_direction_of_the_same_length_predicts_a_larger_change_than_the_gradient():
    gen = torch.Generator().manual_seed(0)
    for point in draws(2, 50, seed=3):
        g = grad_of(quadratic, point)
        best = g @ (g / g.norm())
        for _ in range(200):
            d = torch.randn(2, generator=gen)
            assert g @ (d / d.norm()) <= best + 1e-6


def test_the_step_along_the_gradient_raises_f_the_most_among_many_directions_at_1_1():
    start = torch.tensor([1.0, 1.0])
    g = grad_of(quadratic, start)
    along = (quadratic(start + 0.01 * g / g.norm()) - quadratic(start)).item()
    for angle in torch.linspace(0, 2 * torch.pi, 361):
        d = torch.stack([torch.cos(angle), torch.sin(angle)])
        assert (quadratic(start + 0.01 * d) - quadratic(start)).item() <= along + 1e-6


def test_the_negative_gradient_lowers_f_the_most():
    start = torch.tensor([1.0, 1.0])
    g = grad_of(quadratic, start)
    down = (quadratic(start - 0.01 * g / g.norm()) - quadratic(start)).item()
    for angle in torch.linspace(0, 2 * torch.pi, 361):
        d = torch.stack([torch.cos(angle), torch.sin(angle)])
        assert (quadratic(start + 0.01 * d) - quadratic(start)).item() >= down - 1e-6


# "Because f returns one number, backward() needs no argument. The gradient lands in x.grad, with the shape of x."


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_an_output_of_one_element_calls_backward_without_an_argument(shape):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().reshape(shape).backward()
    assert torch.equal(x.grad, torch.tensor([2.0, 4.0]))


def test_an_output_of_several_elements_needs_an_argument():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * x).backward()


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 4)])
def test_the_gradient_has_the_shape_of_the_input(shape):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0), requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.shape == x.shape


# Example 1: "MulBackward0 sends 1·x back along each of its two inputs ... add up to x + x. 1·x is exact, and doubling
# needs no rounding (past the float32 range both sides are inf), so x + x equals 2 * x bit for bit for every finite
# float32 x."


def test_mul_backward_sends_one_times_x_along_each_input_and_they_add_up_to_x_plus_x():
    values = torch.tensor([1.0, -2.0, 3.0, 0.1, -1 / 3])
    x = values.clone().requires_grad_()
    product = x * x
    along_each = product.grad_fn(torch.ones_like(values))
    assert len(along_each) == 2 and all(torch.equal(g, 1 * values) and torch.equal(g, values) for g in along_each)
    product.sum().backward()
    assert torch.equal(x.grad, values + values)


def test_doubling_overflows_to_inf_on_both_sides_past_the_float32_range():
    big = torch.tensor([3e38, -3e38, torch.finfo(torch.float32).max])
    assert torch.equal(big + big, 2 * big) and torch.isinf(2 * big).all()


def test_the_sum_of_squares_gradient_of_small_whole_numbers_equals_2x_exactly():
    values = torch.arange(-1000.0, 1001.0)
    assert torch.equal(grad_of(lambda t: (t * t).sum(), values), 2 * values)


@pytest.mark.parametrize("kwargs", [{}, {"create_graph": True}], ids=["plain", "create_graph"])
def test_the_sum_of_squares_gradient_equals_2x_bit_for_bit_for_every_finite_float32_x(kwargs):
    tiny = torch.finfo(torch.float32).tiny
    edges = torch.tensor(
        [0.0, -0.0, 0.1, -1 / 3, tiny, tiny / 8, -1e-45, 1e-30, 1e30, 3e38, -3e38, torch.finfo(torch.float32).max]
    )
    for values in [edges, *(v * 1e3 for v in draws(100, 300)), *(v * 1e-40 for v in draws(100, 20))]:
        grad = grad_of(lambda t: (t * t).sum(), values, **kwargs)
        assert torch.equal(grad, 2 * values) and torch.equal(grad, values + values)
    assert torch.isinf(grad_of(lambda t: (t * t).sum(), torch.tensor([3e38]))).all()  # overflow: both sides inf


@pytest.mark.parametrize("kwargs", [{}, {"create_graph": True}], ids=["plain", "create_graph"])
def test_the_sum_of_squares_gradient_is_2x_including_zeros(kwargs):
    values = torch.tensor([0.0, -0.0, 1.0, -2.0, 3.0])
    assert torch.equal(grad_of(lambda t: (t * t).sum(), values, **kwargs), 2 * values)


def test_the_sum_of_squares_graph_is_sum_then_mul_then_the_leafs_accumulate_grad():
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    d = (x * x).sum()
    assert d.grad_fn.name() == "SumBackward0"
    mul = d.grad_fn.next_functions[0][0]
    assert mul.name() == "MulBackward0"
    (first, _), (second, _) = mul.next_functions
    assert first is second and first.name() == "torch::autograd::AccumulateGrad" and first.variable is x


def test_the_same_generator_seed_draws_the_same_numbers_every_run():
    draw = lambda: torch.randn(3, generator=torch.Generator().manual_seed(0))  # noqa: E731
    assert torch.equal(draw(), draw())


# Example 2: "∇(aᵀx) = a, the same at every x. The constant a gets no gradient: autograd computes gradients
# only for tensors that require them."


def test_the_gradient_of_a_linear_function_is_a_at_every_point_including_zero():
    a = torch.tensor([0.5, -1.0, 2.0])
    for x in [torch.zeros(3), *draws(3, 20)]:
        assert torch.allclose(grad_of(lambda t: torch.dot(a, t), x), a)


@pytest.mark.parametrize("kwargs", [{}, {"create_graph": True}], ids=["plain", "create_graph"])
def test_a_constant_gets_no_gradient(kwargs):
    a = torch.tensor([0.5, -1.0, 2.0])
    x = torch.randn(3, generator=torch.Generator().manual_seed(0), requires_grad=True)
    torch.dot(a, x).backward(**kwargs)
    assert a.grad is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.autograd.grad(torch.dot(a, x), a)


def test_under_no_grad_nothing_is_recorded_so_no_gradient_is_computed():
    x = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        y = (x * x).sum()
    assert y.grad_fn is None and not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()
    assert x.grad is None


# Example 3: ‖a‖² via torch.norm(a) ** 2: close to 2a (allclose), not always equal; gradient 0 at a = 0.
# "s = ‖a‖ = sqrt(Σ a_i²) ... ∂s/∂a_k = 2a_k/(2s) = a_k/s, that is a/s"; "values stays a constant, a is a copy of it
# that requires grad".


@pytest.mark.parametrize("n", [1, 3, 100])
def test_the_derivative_of_the_norm_is_a_over_s_away_from_zero(n):
    for values in draws(n, 50):
        s = torch.sqrt((values * values).sum())
        assert torch.allclose(grad_of(torch.norm, values), values / s)


def test_the_clone_is_a_separate_leaf_and_values_stays_a_constant():
    values = torch.randn(5, generator=torch.Generator().manual_seed(1))
    a = values.clone().requires_grad_()
    (torch.norm(a) ** 2).backward()
    assert a.is_leaf and a.grad is not None
    assert not values.requires_grad and values.grad is None and values.data_ptr() != a.data_ptr()


@pytest.mark.parametrize("n", [1, 5, 100])
def test_norm_squared_gradient_is_close_to_2a(n):
    for values in draws(n, 100):
        assert torch.allclose(grad_of(lambda t: torch.norm(t) ** 2, values), 2 * values)


def test_norm_squared_gradient_is_not_always_equal_to_2a():
    misses = sum(not torch.equal(grad_of(lambda t: torch.norm(t) ** 2, v), 2 * v) for v in draws(5, 200))
    assert misses > 0


@pytest.mark.parametrize("n", [1, 3, 100])
@pytest.mark.parametrize("kwargs", [{}, {"create_graph": True}], ids=["plain", "create_graph"])
def test_norm_squared_has_gradient_zero_at_zero(n, kwargs):
    grad = grad_of(lambda t: torch.norm(t) ** 2, torch.zeros(n), **kwargs)
    assert torch.equal(grad, torch.zeros(n))


# "The element at index 3 is not 2a_3 but the float32 number right above it" (the page's seed 1).


def test_the_element_that_differs_is_the_float32_number_right_above_2a_3():
    values = torch.randn(5, generator=torch.Generator().manual_seed(1))
    grad = grad_of(lambda t: torch.norm(t) ** 2, values)
    twice = 2 * values
    assert (grad != twice).nonzero().flatten().tolist() == [3]
    assert grad[3] == torch.nextafter(twice[3], torch.tensor(float("inf")))


def test_torch_2_rounds_a_over_s_first_and_then_the_product_with_2s():
    values = torch.randn(5, generator=torch.Generator().manual_seed(1))
    grad = grad_of(lambda t: torch.norm(t) ** 2, values)
    s = torch.linalg.vector_norm(values)
    assert torch.__version__.startswith("2.")
    assert torch.equal(grad, (values / s) * (2 * s))
    assert not torch.equal(grad, values * ((2 * s) / s))  # the order of torch 1.12, which prints all True


# "This holds for the first derivative only: differentiate once more through torch.norm at 0 (a second derivative)
# and the result is wrong": not 2I (it is nan on torch 2.x).


def hessian(f, point):
    x = point.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.stack([torch.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(len(point))])


def test_the_second_derivative_through_the_norm_at_zero_is_not_2i_but_the_sum_of_squares_gives_2i():
    assert not torch.allclose(hessian(lambda t: torch.norm(t) ** 2, torch.zeros(3)), 2 * torch.eye(3))
    assert torch.isnan(hessian(lambda t: torch.norm(t) ** 2, torch.zeros(3))).all()  # torch 2.x: nan
    assert torch.equal(hessian(lambda t: (t * t).sum(), torch.zeros(3)), 2 * torch.eye(3))


def test_the_second_derivative_through_the_norm_away_from_zero_is_2i():
    for point in draws(3, 20):
        assert torch.allclose(hessian(lambda t: torch.norm(t) ** 2, point), 2 * torch.eye(3), atol=1e-5)


def test_indices_start_at_0_like_the_code_x0_is_x_of_0():
    x = torch.tensor([1.0, 1.0], requires_grad=True)
    quadratic(x).backward()  # f = x_0^2 + 3 x_1^2, so the gradient is (2 x_0, 6 x_1)
    assert torch.equal(x.grad, torch.tensor([2 * x[0].item(), 6 * x[1].item()]))


def test_the_norms_backward_returns_zero_where_the_norm_is_zero():
    assert torch.equal(grad_of(torch.norm, torch.zeros(3)), torch.zeros(3))
    assert torch.equal(grad_of(torch.linalg.vector_norm, torch.zeros(3)), torch.zeros(3))


def test_the_claims_hold_under_the_plain_cpu_kernels():
    code = """
import torch
gen = torch.Generator().manual_seed(0)
for _ in range(200):
    v = torch.randn(7, generator=gen)
    x = v.clone().requires_grad_()
    (x * x).sum().backward()
    assert torch.equal(x.grad, 2 * v)
    y = v.clone().requires_grad_()
    (torch.norm(y) ** 2).backward()
    assert torch.allclose(y.grad, 2 * v)
z = torch.zeros(3, requires_grad=True)
(torch.norm(z) ** 2).backward()
assert torch.equal(z.grad, torch.zeros(3))
values = torch.randn(5, generator=torch.Generator().manual_seed(1))
w = values.clone().requires_grad_()
(torch.norm(w) ** 2).backward()
assert (w.grad != 2 * values).nonzero().flatten().tolist() == [3]
assert w.grad[3] == torch.nextafter(2 * values[3], torch.tensor(float("inf")))
print(torch.backends.cpu.get_cpu_capability())
"""
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "DEFAULT"


# Exercises: the hand computations.


def test_exercise_1_gradient_by_hand():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x[0] ** 2 + 3 * x[0] * x[1]).backward()
    assert torch.equal(x.grad, torch.tensor([2 * 1 + 3 * 2, 3 * 1.0]))


def test_exercise_2_gradient_is_2w_plus_1_at_any_w():
    for W in [torch.zeros(2, 3), torch.randn(2, 3, generator=torch.Generator().manual_seed(0))]:
        grad = grad_of(lambda t: (t * t).sum() + t.sum(), W)
        assert grad.shape == W.shape
        assert torch.allclose(grad, 2 * W + 1)


def test_exercise_3_the_gradient_at_1_minus_2_is_2_minus_12_and_the_prediction_is_close_to_the_true_change():
    start = torch.tensor([1.0, -2.0])
    g = grad_of(quadratic, start)
    assert torch.equal(g, torch.tensor([2 * 1.0, 6 * -2.0]))
    step = -0.01 * g / g.norm()
    true = (quadratic(start + step) - quadratic(start)).item()
    assert abs(-0.01 * 148**0.5 - (-0.122)) < 5e-4 and abs(true - (-0.01 * 148**0.5)) < 5e-4


def test_exercise_3_no_step_of_length_0_01_lowers_f_more_than_the_one_along_minus_the_gradient():
    start = torch.tensor([1.0, -2.0])
    g = grad_of(quadratic, start)
    down = (quadratic(start - 0.01 * g / g.norm()) - quadratic(start)).item()
    for angle in torch.linspace(0, 2 * torch.pi, 721):
        d = torch.stack([torch.cos(angle), torch.sin(angle)])
        assert (quadratic(start + 0.01 * d) - quadratic(start)).item() >= down - 1e-6
