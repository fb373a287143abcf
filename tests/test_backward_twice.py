"""Claims of docs/backward-twice.*.md that its printed outputs do not show."""

from __future__ import annotations

import inspect

import pytest
import torch

from autograd_probes import count_saved_tensors

SECOND_TIME = "Trying to backward through the graph a second time"


def lesson_x():
    return torch.arange(4.0, requires_grad=True)


def test_dot_saves_both_factors_and_mul_saves_the_constant():
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    dot = y.grad_fn.next_functions[0][0]
    assert dot.name() == "DotBackward0"
    assert torch.equal(dot._saved_self, x) and torch.equal(dot._saved_tensor, x)
    assert y.grad_fn._saved_other.item() == 2
    y.backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        dot._saved_self  # freed by the first backward pass


def test_third_call_raises_when_only_the_first_retained_the_graph():
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        y.backward()
    assert torch.equal(x.grad, 8 * x)  # the failed third call added nothing


@pytest.mark.parametrize("walks", [2, 3, 4])
def test_retaining_on_the_first_n_minus_1_calls_allows_n_walks(walks):
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    for _ in range(walks - 1):
        y.backward(retain_graph=True)
    y.backward()
    assert torch.equal(x.grad, 4 * walks * x)


def test_rerunning_a_cell_that_also_creates_x_gives_4x_every_time():
    for _ in range(3):
        x = lesson_x()
        y = 2 * torch.dot(x, x)
        y.backward()
        assert torch.equal(x.grad, 4 * x)


def test_backward_of_parts_adds_up_to_the_gradient_of_the_sum():
    gen = torch.Generator().manual_seed(0)
    data = torch.randn(8, 4, generator=gen)
    w = torch.randn(4, generator=gen, requires_grad=True)
    (data @ w).pow(2).sum().backward()
    whole = w.grad.clone()
    w.grad = None
    for part in data.split(4):
        (part @ w).pow(2).sum().backward()
    torch.testing.assert_close(w.grad, whole)


def test_zero_grad_defaults_to_none_and_can_fill_zeros():
    assert inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default is True
    x = lesson_x()
    optimizer = torch.optim.SGD([x], lr=0.1)
    (2 * torch.dot(x, x)).backward()
    optimizer.zero_grad(set_to_none=False)
    assert x.grad is not None and torch.equal(x.grad, torch.zeros(4))


def test_after_set_to_none_the_next_backward_gives_the_plain_gradient():
    x = lesson_x()
    optimizer = torch.optim.SGD([x], lr=0.1)
    (2 * torch.dot(x, x)).backward()
    optimizer.zero_grad()
    assert x.grad is None
    (2 * torch.dot(x, x)).backward()
    assert torch.equal(x.grad, 4 * x)


def test_using_a_none_grad_raises_attribute_or_type_error():
    x = lesson_x()
    torch.optim.SGD([x], lr=0.1).zero_grad()
    with pytest.raises(AttributeError):
        x.grad.zero_()
    with pytest.raises(TypeError):
        x.grad * 2


def test_scalar_leaf_has_no_node_between_it_and_its_gradient():
    w = torch.tensor(1.5, requires_grad=True)
    assert w.is_leaf and w.grad_fn is None
    for k in range(1, 6):
        w.backward()
        assert w.grad.item() == k


def test_sum_saves_nothing_and_survives_many_walks():
    x = lesson_x()
    assert count_saved_tensors(lambda: x.sum()) == 0
    y = x.sum()
    for _ in range(5):
        y.backward()
    assert torch.equal(x.grad, torch.full((4,), 5.0))


def test_two_times_sum_saves_only_the_constant():
    x = lesson_x()
    y = 2 * x.sum()
    assert y.grad_fn._saved_self is None
    assert y.grad_fn._saved_other.dim() == 0 and y.grad_fn._saved_other.item() == 2


@pytest.mark.parametrize(
    "build", [lambda x: 2 * x.sum(), lambda x: (2 * x).sum(), lambda x: x.sum() * 2],
    ids=["2*sum", "sum(2*x)", "sum*2"],
)
def test_multiplying_by_a_constant_breaks_the_second_walk(build):
    x = lesson_x()
    y = build(x)
    y.backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        y.backward()
    assert torch.equal(x.grad, torch.full((4,), 2.0))


def test_accumulating_k_means_needs_each_divided_by_k():
    gen = torch.Generator().manual_seed(1)
    data = torch.randn(12, 4, generator=gen)
    w = torch.randn(4, generator=gen, requires_grad=True)
    (data @ w).pow(2).mean().backward()
    whole = w.grad.clone()
    k = 3
    w.grad = None
    for part in data.split(12 // k):
        (part @ w).pow(2).mean().backward()
    torch.testing.assert_close(w.grad, k * whole)  # k times too large without dividing
    w.grad = None
    for part in data.split(12 // k):
        ((part @ w).pow(2).mean() / k).backward()
    torch.testing.assert_close(w.grad, whole)


@pytest.mark.parametrize("momentum, weight_decay", [(0.9, 0.0), (0.0, 0.1), (0.9, 0.1)])
def test_sgd_moves_a_zero_gradient_but_skips_a_none_gradient(momentum, weight_decay):
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    optimizer = torch.optim.SGD([a, b], lr=0.1, momentum=momentum, weight_decay=weight_decay)
    (a.sum() + b.sum()).backward()
    optimizer.step()
    a_before, b_before = a.detach().clone(), b.detach().clone()
    a.grad = torch.zeros(2)
    b.grad = None
    optimizer.step()
    assert not torch.equal(a.detach(), a_before)
    assert torch.equal(b.detach(), b_before)


def test_plain_sgd_does_not_move_a_zero_gradient():
    a = torch.ones(2, requires_grad=True)
    optimizer = torch.optim.SGD([a], lr=0.1)
    a.grad = torch.zeros(2)
    optimizer.step()
    assert torch.equal(a.detach(), torch.ones(2))


def test_autograd_grad_returns_the_gradient_and_leaves_existing_grad_untouched():
    x = lesson_x()
    (2 * torch.dot(x, x)).backward()
    before = x.grad.clone()
    (g,) = torch.autograd.grad(2 * torch.dot(x, x), x)
    assert torch.equal(g, 4 * x.detach())
    assert torch.equal(x.grad, before)


def test_autograd_grad_frees_the_graph_like_backward_unless_retained():
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    torch.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        torch.autograd.grad(y, x)
    y = 2 * torch.dot(x, x)
    torch.autograd.grad(y, x, retain_graph=True)
    torch.autograd.grad(y, x)


def test_create_graph_gives_a_differentiable_gradient():
    x = lesson_x()
    (g,) = torch.autograd.grad(2 * torch.dot(x, x), x)
    assert g.grad_fn is None and not g.requires_grad
    (g,) = torch.autograd.grad(2 * torch.dot(x, x), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    assert torch.equal(h, torch.full((4,), 4.0))


def test_a_failed_unused_input_call_has_already_freed_the_graph():
    x = lesson_x()
    w = torch.ones(4, requires_grad=True)
    y = (x * x).sum() * 2  # a node that saves a tensor, so a second walk would fail
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        torch.autograd.grad(y, [x, w])
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        torch.autograd.grad(y, [x, w], allow_unused=True)
