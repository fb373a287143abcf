"""Claims of docs/gradient-of-scalar-function.*.md that the page's own outputs do not show."""

import warnings

import pytest
import torch
from torch.autograd import gradcheck
from torch.autograd.gradcheck import GradcheckError


def draws(n, count, seed=0):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(count):
        yield torch.randn(n, generator=gen)


def grad_of(f, values):
    a = values.clone().requires_grad_(True)
    f(a).backward()
    return a.grad


def norm_squared(a):
    return torch.norm(a) ** 2


@pytest.mark.parametrize(
    "f",
    [lambda a: (a * a).sum(), lambda a: torch.dot(a, a), lambda a: (a**2).sum()],
    ids=["a*a sum", "dot", "pow sum"],
)
def test_sum_of_squares_gradient_is_exactly_2a(f):
    for n in (1, 5, 100):
        for values in draws(n, 200):
            assert torch.equal(grad_of(f, values), 2 * values)


def fraction_equal(n, count=1000):
    hits = sum(torch.equal(grad_of(norm_squared, v), 2 * v) for v in draws(n, count))
    return hits / count


def test_norm_squared_equals_2a_in_about_60_percent_of_draws():
    # The page says "about 60%" for vectors of 5 elements (measured: 0.61 with this seed).
    assert 0.5 <= fraction_equal(5) <= 0.72


def test_norm_squared_with_100_elements_almost_never_equals_2a():
    assert fraction_equal(100, count=200) < 0.05


def test_norm_squared_gradient_is_a_over_s_times_2s_and_at_most_one_ulp_off():
    up, down = torch.tensor(float("inf")), torch.tensor(float("-inf"))
    for values in draws(5, 500):
        grad = grad_of(norm_squared, values)
        s = torch.linalg.vector_norm(values)
        assert torch.equal(grad, (values / s) * (2 * s))
        exact = 2 * values
        one_ulp_away = (grad == exact) | (grad == torch.nextafter(exact, up)) | (grad == torch.nextafter(exact, down))
        assert one_ulp_away.all()
        assert torch.allclose(grad, exact)


def test_logsumexp_gradient_is_softmax_positive_and_sums_to_one():
    for values in draws(7, 100):
        grad = grad_of(lambda t: torch.logsumexp(t, dim=0), values)
        assert torch.allclose(grad, torch.softmax(values, dim=0))
        assert (grad > 0).all()
        assert torch.allclose(grad.sum(), torch.tensor(1.0))


def test_float32_exp_overflows_just_above_88_7():
    assert torch.isfinite(torch.exp(torch.tensor(88.7)))
    assert torch.isinf(torch.exp(torch.tensor(88.8)))


def test_linear_layer_with_mse_loss_has_the_same_gradients():
    torch.manual_seed(0)
    n = 8
    X, y = torch.randn(n, 3), torch.randn(n)
    layer = torch.nn.Linear(3, 1)
    loss = torch.nn.functional.mse_loss(layer(X).squeeze(1), y)
    loss.backward()
    with torch.no_grad():
        r = layer(X).squeeze(1) - y
    assert layer.weight.shape == (1, 3)
    assert torch.allclose(layer.weight.grad, (2 / n * X.T @ r).unsqueeze(0))
    assert torch.allclose(layer.bias.grad, (2 / n * r.sum()).unsqueeze(0))


def test_float32_central_differences_are_whole_multiples_of_the_float32_step():
    x32 = torch.randn(5, generator=torch.Generator().manual_seed(0))
    f = torch.logsumexp(x32, dim=0)
    assert 2 <= f.item() < 4  # float32 numbers are 2**-22 apart there
    eps = 1e-6
    for i in range(5):
        step = torch.zeros(5)
        step[i] = eps
        estimate = (torch.logsumexp(x32 + step, dim=0) - torch.logsumexp(x32 - step, dim=0)) / (2 * eps)
        multiple = estimate.item() / (2**-22 / (2 * eps))
        assert abs(multiple - round(multiple)) < 1e-4


EXAMPLES = {
    "sum of squares": lambda t: (t * t).sum(),
    "norm squared": norm_squared,
    "logsumexp": lambda t: torch.logsumexp(t, dim=0),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_gradcheck_passes_in_float64_at_many_points(name):
    for values in draws(5, 20):
        assert gradcheck(EXAMPLES[name], (values.double().requires_grad_(),))


def test_gradcheck_passes_for_the_mse_loss_in_float64():
    gen = torch.Generator().manual_seed(1)
    X = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(8, generator=gen, dtype=torch.float64)
    w = torch.randn(3, generator=gen, dtype=torch.float64, requires_grad=True)
    b = torch.randn((), generator=gen, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda w, b: ((X @ w + b - y) ** 2).mean(), (w, b))


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


def test_gradcheck_default_step_is_1e_minus_6():
    import inspect

    assert inspect.signature(gradcheck).parameters["eps"].default == 1e-6


def test_linear_layer_output_n_by_1_against_a_target_of_n_warns_and_gives_a_different_gradient():
    torch.manual_seed(0)
    n = 8
    X, y = torch.randn(n, 3), torch.randn(n)
    layer = torch.nn.Linear(3, 1)
    with pytest.warns(UserWarning, match="different to the input size"):
        wrong = torch.nn.functional.mse_loss(layer(X), y)
    assert (layer(X) - y).shape == (n, n)  # the broadcast the warning is about
    wrong.backward()
    wrong_grad = layer.weight.grad.clone()
    layer.zero_grad()
    for target_fix in (lambda out: (out.squeeze(-1), y), lambda out: (out, y.unsqueeze(-1))):
        layer.zero_grad()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            torch.nn.functional.mse_loss(*target_fix(layer(X))).backward()
        r = (layer(X).squeeze(-1) - y).detach()
        assert torch.allclose(layer.weight.grad, (2 / n * X.T @ r).unsqueeze(0))
        assert not torch.allclose(layer.weight.grad, wrong_grad)
