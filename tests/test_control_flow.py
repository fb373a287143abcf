"""Claims of docs/control-flow.*.md that the page's printed outputs do not show by themselves."""

import importlib.util
import math
import sys
from pathlib import Path

import torch
from torch.autograd.functional import jacobian

SNIPPETS = Path(__file__).resolve().parent.parent / "snippets" / "control_flow"


def load(name):
    # As the figure runner runs it: its own folder and snippets/ (tests/conftest.py) on the path.
    if str(SNIPPETS) not in sys.path:
        sys.path.insert(0, str(SNIPPETS))
    spec = importlib.util.spec_from_file_location(f"control_flow_{name}", SNIPPETS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


control_flow = load("control_flow")
f = control_flow.f


def k_from_formula(a: torch.Tensor) -> float:
    """k as the page derives it: n = max(1, ceil(log2(1000 / ||a||))), k = 2^n or 100 * 2^n."""
    n = max(1, math.ceil(math.log2(1000 / a.norm().item())))
    return 2.0**n if a.sum().item() > 0 else 100 * 2.0**n


def test_vector_and_matrix_jacobian_is_k_times_identity():
    g = torch.Generator().manual_seed(1)
    branches = set()
    for shape in [(3,), (5,), (2, 3), (4, 4)] * 3:
        a = torch.randn(shape, generator=g, requires_grad=True)
        k = control_flow.slope(a.detach())
        branches.add(k > 0 and math.log2(k).is_integer())
        size = a.numel()
        J = jacobian(f, a).reshape(size, size)
        assert torch.equal(J, k * torch.eye(size))
        # Both ways of seeding the backward pass give k in every component.
        f(a).backward(torch.ones(shape))
        assert torch.equal(a.grad, torch.full(shape, k))
        a.grad = None
        f(a).sum().backward()
        assert torch.equal(a.grad, torch.full(shape, k))
        assert torch.allclose(a.grad, f(a) / a)
    assert branches == {True, False}, "both branches must be exercised"


def test_gradient_is_exactly_k_of_the_formula():
    g = torch.Generator().manual_seed(2)
    values = torch.cat([torch.randn(300, generator=g), torch.linspace(-1.0, -0.05, 200), torch.linspace(0.05, 1.0, 200)])
    for value in values:
        a = value.clone().requires_grad_(True)
        f(a).backward()
        assert a.grad.item() == k_from_formula(a.detach()) == control_flow.slope(a.detach())


def test_jumps_are_at_1000_over_powers_of_two():
    # At |a| = 1000 / 2^n the loop stops with norm exactly 1000; just below it needs one more doubling.
    for n in range(10, 15):
        edge = torch.tensor(1000 / 2**n)
        below = torch.nextafter(edge, torch.tensor(0.0))
        assert control_flow.slope(edge) == 2.0**n
        assert control_flow.slope(below) == 2.0 ** (n + 1)
        assert control_flow.slope(-edge) == 100 * 2.0**n
        assert control_flow.slope(-below) == 100 * 2.0 ** (n + 1)
    assert 1000 / 2**10 == 0.9765625 and 1000 / 2**11 == 0.48828125


def test_seed_15_counterexample():
    g = torch.Generator().manual_seed(15)
    a = torch.randn(size=(), generator=g, requires_grad=True)
    d = f(a)
    d.backward()
    assert round(a.item(), 4) == -0.7056
    assert a.grad.item() == 204800.0 == 100 * 2**11
    assert (d / a).item() == 204799.984375
    assert torch.nextafter(a.grad, torch.tensor(0.0)).item() == 204799.984375
    assert not bool(a.grad == d / a)
    assert torch.allclose(a.grad, d / a)
    torch.testing.assert_close(a.grad, d / a)


def count_equality_failures(draws=2000, seed=0):
    g = torch.Generator().manual_seed(seed)
    failures, negative, failures_negative = 0, 0, 0
    for _ in range(draws):
        a = torch.randn(size=(), generator=g, requires_grad=True)
        d = f(a)
        d.backward()
        equal = bool(a.grad == d / a)
        assert torch.allclose(a.grad, d / a)
        if a.item() < 0:
            negative += 1
        if not equal:
            failures += 1
            failures_negative += a.item() < 0
    return failures, negative, failures_negative


def test_fraction_of_scalars_where_equality_fails():
    failures, negative, failures_negative = count_equality_failures()
    # The numbers stated on the page (torch 2.13.0, CPU, generator seeded with 0, 2000 draws).
    assert (failures, negative) == (123, 1005)
    assert failures / 2000 == 0.0615
    assert 0.03 < failures / 2000 < 0.10  # "about 6%"
    assert failures_negative == failures  # the c = b branch never fails
    assert 0.10 < failures / negative < 0.14  # "about 12%" of the negative draws


def test_positive_branch_division_is_exact():
    g = torch.Generator().manual_seed(3)
    for _ in range(300):
        a = torch.randn(7, generator=g).abs().requires_grad_(True)  # sum > 0: the c = b branch
        d = f(a)
        d.sum().backward()
        assert torch.equal(a.grad, d / a)


def test_100_element_vectors_on_scaled_branch_always_fail_equality():
    g = torch.Generator().manual_seed(0)
    checked = 0
    while checked < 200:
        a = torch.randn(100, generator=g, requires_grad=True)
        d = f(a)
        if d.sum() > 0:
            continue
        checked += 1
        d.backward(torch.ones_like(d))
        assert not bool((a.grad == d / a).all())
        assert torch.allclose(a.grad, d / a)


def test_lesson_examples_took_the_unscaled_branch():
    for values in [1.3423, [1.8428, 1.0790, -0.5471]]:
        a = torch.tensor(values, requires_grad=True)
        d = f(a)
        assert d.sum() > 0
        d.backward(torch.ones_like(d))
        assert bool((a.grad == d / a).all())
    scalar = torch.tensor(1.3423, requires_grad=True)
    f(scalar).backward()
    assert scalar.grad.item() == 1024.0  # as the lesson printed


def test_zero_input_keeps_norm_zero():
    # f(torch.zeros(3)) is not run: its loop body never changes anything it tests.
    b = torch.zeros(3) * 2
    for _ in range(10_000):
        assert b.norm() < 1000
        b = b * 2
    assert torch.equal(b, torch.zeros(3))


def test_figure_shows_autograd_derivatives():
    figure = load("fig_piecewise")
    xs, values, slopes = figure.sample()
    assert len(xs) == 2 * figure.POINTS_PER_SIDE and 0.0 not in xs
    for x, value, k in zip(xs, values, slopes):
        assert k == k_from_formula(torch.tensor(x))
        assert math.isclose(value, k * x, rel_tol=1e-6)
    # Five jumps on each side within 0.05 <= |a| <= 1 (at 1000/2^n for n = 10..14): six pieces each.
    assert len(list(figure.pieces(xs, values, slopes))) == 12
