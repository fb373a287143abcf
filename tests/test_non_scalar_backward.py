"""Claims of docs/non-scalar-backward.*.md that the page's printed outputs do not show by themselves."""

import pytest
import torch
from torch.autograd.functional import jacobian


def g(x):
    return torch.stack([x[0] * x[1], x[1] ** 2, x[0] + 3 * x[2]])


def test_backward_v_is_transposed_jacobian_times_v_for_random_inputs():
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        x = torch.randn(3, generator=gen, requires_grad=True)
        v = torch.randn(3, generator=gen)
        J = jacobian(g, x)
        g(x).backward(v)
        seeded = x.grad.clone()
        x.grad = None
        (v * g(x)).sum().backward()
        assert torch.allclose(seeded, x.grad)
        assert torch.allclose(seeded, J.T @ v)
        assert torch.allclose(seeded, v @ J)


def test_ones_equals_sum_and_mean_is_smaller_by_the_element_count():
    gen = torch.Generator().manual_seed(1)
    for _ in range(20):
        x = torch.randn(3, generator=gen, requires_grad=True)
        g(x).backward(torch.ones(3))
        ones = x.grad.clone()
        x.grad = None
        g(x).sum().backward()
        assert torch.equal(ones, x.grad)
        x.grad = None
        g(x).mean().backward()
        assert torch.allclose(ones, 3 * x.grad)


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_one_element_outputs_need_no_argument(shape):
    t = torch.full(shape, 2.0, requires_grad=True)
    (t * t).backward()
    assert torch.equal(t.grad, torch.full(shape, 4.0))


def test_more_than_one_element_needs_an_argument():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        g(x).backward()


@pytest.mark.parametrize("shape", [(4,), (), (1, 3)])
def test_v_is_not_broadcast(shape):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    message = f"Mismatch in shape: grad_output[0] has a shape of torch.Size({list(shape)}) and output[0] has a shape of torch.Size([3])."
    with pytest.raises(RuntimeError) as info:
        g(x).backward(torch.ones(shape))
    assert str(info.value) == message


def test_graph_survives_the_refused_calls():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = g(x)
    with pytest.raises(RuntimeError):
        y.backward()
    with pytest.raises(RuntimeError):
        y.backward(torch.ones(4))
    assert x.grad is None
    y.backward(torch.ones_like(y))
    assert torch.equal(x.grad, torch.tensor([3.0, 5.0, 3.0]))


def test_jacobian_runs_one_backward_pass_per_output_element(monkeypatch):
    calls = []
    original = torch.autograd.grad

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(torch.autograd, "grad", counting)
    x = torch.tensor([1.0, 2.0, 3.0])
    J = jacobian(g, x)
    assert len(calls) == 3 == J.shape[0]


def test_torch_backward_docstring_calls_the_seed_the_vector_of_a_jacobian_vector_product():
    # The page points out the naming clash: the docstring says "Jacobian-vector product" for what
    # the course (and torch.func.vjp) calls a vector-Jacobian product.
    doc = " ".join(torch.autograd.backward.__doc__.split())
    assert 'The "vector" in the Jacobian-vector product' in doc
    assert "vector-Jacobian" not in doc


def test_backward_with_ones_gives_column_sums_not_the_diagonal_unless_j_is_diagonal():
    def g(x):
        return torch.stack([x[0] * x[1], x[1] ** 2, x[0] + 3 * x[2]])

    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    J = torch.autograd.functional.jacobian(g, x)
    y = g(x)
    y.backward(torch.ones_like(y))
    assert torch.equal(x.grad, J.sum(dim=0))
    assert not torch.equal(x.grad, torch.diagonal(J))
    s = torch.linspace(0, 3, 7, requires_grad=True)
    torch.sin(s).backward(torch.ones(7))
    assert torch.equal(s.grad, torch.diagonal(torch.autograd.functional.jacobian(torch.sin, s.detach())))


def one_step(optimizer_class, scale, steps):
    torch.manual_seed(0)
    w = torch.randn(5, requires_grad=True)
    x = torch.randn(3, 5)
    start = w.detach().clone()
    optimizer = optimizer_class([w], lr=0.01)
    for _ in range(steps):
        optimizer.zero_grad()
        (scale * (x @ w).pow(2).mean()).backward()
        optimizer.step()
    return w.detach() - start


def test_scaling_the_loss_scales_an_sgd_step_by_the_same_factor():
    torch.testing.assert_close(one_step(torch.optim.SGD, 3.0, steps=1), 3 * one_step(torch.optim.SGD, 1.0, steps=1))


def test_scaling_the_loss_barely_changes_adam_steps():
    scaled, plain = one_step(torch.optim.Adam, 3.0, steps=5), one_step(torch.optim.Adam, 1.0, steps=5)
    torch.testing.assert_close(scaled, plain, rtol=1e-5, atol=1e-8)
    assert not torch.allclose(scaled, 3 * plain)
