"""Claims of docs/*/function-and-hooks.md that its printed outputs do not show by themselves."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from other_releases import OTHER_RELEASES, run_on
from torch.autograd import gradcheck, gradgradcheck
from torch.autograd.function import once_differentiable
from torch.autograd.gradcheck import GradcheckError

FLOAT32_MAX = torch.finfo(torch.float32).max
NO_INPUTS_WARNING = (
    "Full backward hook is firing when gradients are computed with respect to module outputs since no inputs "
    "require gradients."
)
ONCE = "trying to differentiate twice a function that was marked with @once_differentiable"
ROOT = Path(__file__).resolve().parent.parent

# What the page says about other releases, run there (old-style Function: 1.12 has no setup_context).
ON_RELEASE = """
import warnings
import torch
from torch.autograd.function import once_differentiable

torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
for layer in net:
    layer.register_full_backward_hook(lambda m, gi, go: None)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    net(torch.randn(4, 3)).sum().backward()
print("full", *[w.category.__name__ for w in caught if "Full backward hook" in str(w.message)])

net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
net.register_backward_hook(lambda m, gi, go: None)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    net(torch.randn(4, 3)).sum().backward()
print("old", *[w.category.__name__ for w in caught if "non-full backward hook" in str(w.message)])

x = torch.arange(4.0, requires_grad=True)
d = torch.dot(x, x)
d.retain_grad()
d.register_hook(lambda grad: grad * 10)
(2 * d).backward()
print("retain", d.grad.item())


class Once(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t.exp()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        (t,) = ctx.saved_tensors
        return grad_out * t.exp()


x = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
(g,) = torch.autograd.grad((Once.apply(x) ** 2).sum(), x, create_graph=True)
try:
    torch.autograd.grad(g.sum(), x)
except RuntimeError as error:
    print("unused", str(error).split(" appears")[0].replace(" ", "_"))

seen = []
for how in ("grad", "inputs", "backward"):
    (g,) = torch.autograd.grad((Once.apply(x) ** 2).sum() + (x**3).sum(), x, create_graph=True)
    x.grad = None
    try:
        if how == "grad":
            seen.append(torch.equal(torch.autograd.grad(g.sum(), x)[0], 6 * x.detach()))
        else:
            g.sum().backward(**({"inputs": [x]} if how == "inputs" else {}))
            seen.append(torch.equal(x.grad, 6 * x.detach()))
    except RuntimeError as error:
        seen.append("raises" if "differentiate twice" in str(error) else str(error))
print("other_term", *seen)

stored = []
for in_place in (lambda d: d.mul_(1), lambda d: d[:2].mul_(1)):
    x = torch.arange(4.0, requires_grad=True)
    d = x * x
    d.retain_grad()
    d.register_hook(lambda grad: grad * 10)
    in_place(d)
    (2 * d).sum().backward()
    stored.append(d.grad[0].item())
print("in_place", *stored)
"""


@functools.lru_cache(maxsize=None)
def printed_on(release: str) -> dict[str, list[str]]:
    """What ON_RELEASE prints under another torch of `make versions` (.venvs/torch-<release>), by line."""
    out = run_on(release, ON_RELEASE)
    return {line.split()[0]: line.split()[1:] for line in out.splitlines()}


# --- the Functions of the page --------------------------------------------------------------------


class DotProduct(torch.autograd.Function):
    @staticmethod
    def forward(x, y):
        return (x * y).sum()

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, y = inputs
        ctx.save_for_backward(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_out * y
        if ctx.needs_input_grad[1]:
            grad_y = grad_out * x
        return grad_x, grad_y


class SwappedDot(DotProduct):
    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        return grad_out * x, grad_out * y


class ForgetfulDot(DotProduct):
    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        return y, x


class ClassicDot(torch.autograd.Function):
    """The same Function in the older form: ctx is forward's first argument."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return (x * y).sum()

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        return grad_out * y, grad_out * x


class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)


class OnceSoftplus(StableSoftplus):
    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)


class NumpySoftplus(StableSoftplus):
    """A backward computed outside autograd, without the decorator it should have."""

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        sigmoid = 1 / (1 + np.exp(-x.detach().numpy()))
        return grad_out * torch.from_numpy(sigmoid)


def generic_inputs(seed=0, n=5):
    gen = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(n, generator=gen, dtype=torch.float64, requires_grad=True) for _ in range(2))


# --- built-in formulas ----------------------------------------------------------------------------


def test_the_dot_node_is_the_formula_grad_times_the_other_factor():
    x = torch.arange(4.0, requires_grad=True)
    y = torch.arange(4.0, 8.0, requires_grad=True)
    node = torch.dot(x, y).grad_fn
    assert node.name() == "DotBackward0"
    grad_x, grad_y = node(torch.tensor(3.0))
    assert torch.equal(grad_x, 3 * y.detach()) and torch.equal(grad_y, 3 * x.detach())


# --- the first Function ---------------------------------------------------------------------------


def test_node_is_named_after_the_class_and_ctx_is_the_grad_fn():
    seen = {}

    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(x):
            seen["grad_enabled_in_forward"] = torch.is_grad_enabled()
            return x * 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            seen["ctx"] = ctx

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out * 3

    x = torch.ones(2, requires_grad=True)
    out = Scale.apply(x)
    assert out.grad_fn.name() == "ScaleBackward" == type(out.grad_fn).__name__
    assert out.grad_fn is seen["ctx"]
    # forward is not recorded: autograd is off while it runs.
    assert seen["grad_enabled_in_forward"] is False and torch.is_grad_enabled()


def test_needs_input_grad_is_fixed_in_forward_and_skips_the_constant():
    x = torch.arange(4.0, requires_grad=True)
    c = torch.ones(4)
    out = DotProduct.apply(x, c)
    assert out.grad_fn.needs_input_grad == (True, False)
    assert out.grad_fn.next_functions[1] == (None, 0)
    out.backward()
    assert torch.equal(x.grad, c) and c.grad is None


def test_lesson_gradient_through_the_custom_dot():
    for function in (DotProduct, ClassicDot):
        x = torch.arange(4.0, requires_grad=True)
        (2 * function.apply(x, x)).backward()
        assert torch.equal(x.grad, 4 * x.detach())


def test_torch_func_accepts_only_the_setup_context_form():
    x = torch.arange(4.0)
    assert torch.equal(torch.func.grad(lambda t: DotProduct.apply(t, t))(x), 2 * x)
    with pytest.raises(RuntimeError, match="it must override the setup_context staticmethod"):
        torch.func.grad(lambda t: ClassicDot.apply(t, t))(x)


# --- gradcheck ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_gradcheck_passes_the_right_dot_and_fails_the_swapped_one(seed):
    a, b = generic_inputs(seed)
    assert gradcheck(DotProduct.apply, (a, b))
    assert not gradcheck(SwappedDot.apply, (a, b), raise_exception=False)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(SwappedDot.apply, (a, b))


def test_the_swap_is_invisible_when_both_inputs_are_the_same_tensor():
    a, _ = generic_inputs()
    assert gradcheck(SwappedDot.apply, (a, a))


def test_forgetting_grad_out_passes_the_jacobian_and_fails_the_zero_check():
    a, b = generic_inputs()
    # With the upstream gradient 1 used for a scalar output, the Jacobians agree...
    right = torch.autograd.grad(DotProduct.apply(a, b), (a, b))
    forgetful = torch.autograd.grad(ForgetfulDot.apply(a, b), (a, b))
    assert all(torch.equal(r, f) for r, f in zip(right, forgetful))
    # ...but an upstream gradient of zeros must give zeros, and here it does not.
    zeros = torch.autograd.grad(ForgetfulDot.apply(a, b), (a, b), torch.zeros(()))
    assert any(z.ne(0).any() for z in zeros)
    with pytest.raises(GradcheckError) as info:
        gradcheck(ForgetfulDot.apply, (a, b))
    assert str(info.value) == "backward not multiplied by grad_output"


def test_forgetting_grad_out_loses_the_factor_two():
    x = torch.arange(4.0, requires_grad=True)
    (2 * ForgetfulDot.apply(x, x)).backward()
    assert torch.equal(x.grad, 2 * x.detach())  # instead of 4x


def test_gradcheck_warns_about_float32_inputs():
    a, b = (t.detach().float().requires_grad_() for t in generic_inputs())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gradcheck(DotProduct.apply, (a, b), raise_exception=False)
    assert any("is not a double precision floating point" in str(w.message) for w in caught)


# --- softplus -------------------------------------------------------------------------------------


def value_and_grad(f, x):
    x = x.detach().clone().requires_grad_()
    y = f(x)
    y.sum().backward()
    return y.detach(), x.grad


POINTS = torch.tensor([-5.0, 0.0, 5.0, 100.0])


def test_exp_100_overflows_float32_but_not_float64():
    assert torch.exp(torch.tensor(100.0)).isinf()
    assert 2.6e43 < torch.exp(torch.tensor(100.0, dtype=torch.float64)).item() < 2.7e43 < FLOAT32_MAX * 1e5
    assert torch.finfo(torch.float64).max > 1.7e308


def test_naive_softplus_gives_inf_then_nan():
    y, grad = value_and_grad(lambda t: torch.log1p(torch.exp(t)), POINTS)
    assert y[-1].isinf() and grad[-1].isnan()
    assert torch.isfinite(grad[:-1]).all()


def test_where_fixes_the_forward_but_not_the_backward():
    y, grad = value_and_grad(lambda t: torch.where(t > 20, t, torch.log1p(torch.exp(t))), POINTS)
    assert torch.isfinite(y).all() and y[-1] == 100
    assert grad[-1].isnan()
    # The branch that was not chosen gets an upstream gradient of 0, times exp(100) = inf.
    assert (torch.tensor(0.0) * torch.exp(torch.tensor(100.0))).isnan()


def test_stable_rewrite_differentiated_by_autograd_is_wrong_at_the_kink():
    _, grad = value_and_grad(lambda t: t.clamp(min=0) + torch.log1p(torch.exp(-t.abs())), POINTS)
    assert torch.isfinite(grad).all()
    assert grad[1] == 1.0  # the true derivative is sigmoid(0) = 0.5
    zero = torch.tensor(0.0, requires_grad=True)
    (clamp_slope,) = torch.autograd.grad(zero.clamp(min=0), zero)
    (abs_slope,) = torch.autograd.grad(zero.abs(), zero)
    assert clamp_slope == 1.0 and abs_slope == 0.0


def test_stable_softplus_matches_the_float64_reference_over_a_wide_range():
    x = torch.linspace(-80, 200, 561)
    y, grad = value_and_grad(StableSoftplus.apply, x)
    ref_y, ref_grad = value_and_grad(lambda t: torch.log1p(torch.exp(t)), x.double())
    assert torch.isfinite(y).all() and torch.isfinite(grad).all()
    torch.testing.assert_close(y, ref_y.float())
    torch.testing.assert_close(grad, ref_grad.float())
    _, at_points = value_and_grad(StableSoftplus.apply, POINTS)
    assert at_points[1] == 0.5


def test_torch_softplus_gives_the_same_gradient():
    _, ours = value_and_grad(StableSoftplus.apply, POINTS)
    _, torchs = value_and_grad(torch.nn.functional.softplus, POINTS)
    torch.testing.assert_close(ours, torchs)


def test_gradcheck_and_gradgradcheck_pass_for_the_stable_softplus():
    points = torch.linspace(-30, 30, 7, dtype=torch.float64, requires_grad=True)
    assert 0.0 in points and points[0] == -30 and points[-1] == 30
    assert gradcheck(StableSoftplus.apply, (points,))
    assert gradgradcheck(StableSoftplus.apply, (points,))


# --- once_differentiable --------------------------------------------------------------------------


def first_derivative(function, x, square=True):
    out = function.apply(x)
    out = out**2 if square else out
    (g,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return g


def test_once_differentiable_raises_on_a_second_backward():
    x = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    g = first_derivative(OnceSoftplus, x)
    s = torch.sigmoid(x.detach())
    sp = torch.nn.functional.softplus(x.detach())
    torch.testing.assert_close(g.detach(), 2 * sp * s)  # the first derivative is right
    with pytest.raises(RuntimeError) as info:
        g.sum().backward()
    assert str(info.value) == ONCE


def test_once_differentiable_runs_backward_without_recording_even_with_create_graph():
    seen = []

    class Probe(StableSoftplus):
        @staticmethod
        @once_differentiable
        def backward(ctx, grad_out):
            seen.append(torch.is_grad_enabled())
            (x,) = ctx.saved_tensors
            return grad_out * torch.sigmoid(x)

    class Plain(StableSoftplus):
        @staticmethod
        def backward(ctx, grad_out):
            seen.append(torch.is_grad_enabled())
            (x,) = ctx.saved_tensors
            return grad_out * torch.sigmoid(x)

    x = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    first_derivative(Probe, x)
    first_derivative(Plain, x)
    assert seen == [False, True]


def test_with_a_constant_upstream_gradient_the_first_derivative_needs_no_grad():
    x = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    g = first_derivative(OnceSoftplus, x, square=False)
    assert not g.requires_grad and g.grad_fn is None
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        g.sum().backward()


def test_autograd_grad_does_not_reach_x_through_the_error_node():
    x = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    g = first_derivative(OnceSoftplus, x)
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 0 appears to not have been used"):
        torch.autograd.grad(g.sum(), x, retain_graph=True)
    assert torch.autograd.grad(g.sum(), x, allow_unused=True) == (None,)


def test_a_backward_outside_autograd_without_the_decorator_is_silently_wrong():
    x = torch.tensor([-2.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    (right,) = torch.autograd.grad(first_derivative(StableSoftplus, x).sum(), x)
    (silent,) = torch.autograd.grad(first_derivative(NumpySoftplus, x).sum(), x)
    s = torch.sigmoid(x.detach())
    sp = torch.nn.functional.softplus(x.detach())
    torch.testing.assert_close(right, 2 * s * s + 2 * sp * s * (1 - s))
    torch.testing.assert_close(silent, 2 * s * s)  # the sigmoid' term is missing, no error
    assert not torch.allclose(silent, right)


def test_a_numpy_backward_raises_only_when_nothing_in_the_first_derivative_has_a_graph():
    x = torch.tensor([-2.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    s = torch.sigmoid(x.detach())
    # Its only term, a constant upstream gradient: no graph at all, the unrelated error.
    g = first_derivative(NumpySoftplus, x, square=False)
    assert not g.requires_grad
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        torch.autograd.grad(g.sum(), x)
    # An upstream gradient that depends on x: no error, the sigmoid' term is missing.
    (h,) = torch.autograd.grad(first_derivative(NumpySoftplus, x).sum(), x)
    torch.testing.assert_close(h, 2 * s * s)
    # Another term with a graph: no error, only that term is differentiated.
    (g,) = torch.autograd.grad(NumpySoftplus.apply(x).sum() + (x**3).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    torch.testing.assert_close(h, 6 * x.detach())


class NumpyAllTheWay(StableSoftplus):
    """A NumPy backward that also passes `grad_out` through NumPy."""

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        sigmoid = 1 / (1 + np.exp(-x.detach().numpy()))
        return torch.from_numpy(grad_out.detach().numpy() * sigmoid)


class NumpyWithoutDetach(NumpyAllTheWay):
    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return torch.from_numpy(grad_out.numpy() / (1 + np.exp(-x.detach().numpy())))


def test_a_numpy_backward_that_also_takes_grad_out_through_numpy_raises_even_when_grad_out_depends_on_x():
    x = torch.tensor([-2.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    g = first_derivative(NumpyAllTheWay, x)  # squared output: grad_out = 2 softplus(x) requires grad
    s = torch.sigmoid(x.detach())
    torch.testing.assert_close(g, 2 * torch.nn.functional.softplus(x.detach()) * s)  # the first derivative is right
    assert not g.requires_grad
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        torch.autograd.grad(g.sum(), x)
    # With another term carrying a graph, only that term is differentiated, without any error.
    (g,) = torch.autograd.grad((NumpyAllTheWay.apply(x) ** 2).sum() + (x**3).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    torch.testing.assert_close(h, 6 * x.detach())


def test_grad_out_must_be_detached_before_numpy_once_it_requires_grad():
    x = torch.tensor([-2.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        first_derivative(NumpyWithoutDetach, x)
    g = first_derivative(NumpyWithoutDetach, x, square=False)  # a constant grad_out needs no detach
    torch.testing.assert_close(g, torch.sigmoid(x.detach()))


# --- tensor hooks ---------------------------------------------------------------------------------


def test_hook_is_called_once_per_backward_and_none_keeps_the_gradient():
    x = torch.arange(4.0, requires_grad=True)
    d = torch.dot(x, x)
    y = 2 * d
    seen = []
    handle = d.register_hook(lambda grad: seen.append(grad.clone()))
    y.backward(retain_graph=True)
    y.backward()
    assert [g.item() for g in seen] == [2.0, 2.0]
    assert torch.equal(x.grad, 8 * x.detach())
    handle.remove()


def test_returned_tensor_replaces_the_gradient_and_remove_undoes_it():
    x = torch.arange(4.0, requires_grad=True)
    d = torch.dot(x, x)
    y = 2 * d
    handle = d.register_hook(lambda grad: grad * 10)
    y.backward(retain_graph=True)
    assert torch.equal(x.grad, 40 * x.detach())
    handle.remove()
    x.grad = None
    y.backward()
    assert torch.equal(x.grad, 4 * x.detach())


def test_a_hook_on_a_leaf_runs_before_accumulation():
    w = torch.tensor([0.5, -3.0, 4.0], requires_grad=True)
    w.register_hook(lambda grad: grad.clamp(-1, 1))
    (w**2).sum().backward()
    (w**2).sum().backward()
    # Each backward's gradient is clipped before it is added: 1 + 1, not clip(2 + 2).
    assert torch.equal(w.grad, torch.tensor([2.0, -2.0, 2.0]))


def test_register_hook_documents_that_the_argument_must_not_be_modified():
    assert "should not modify its argument" in torch.Tensor.register_hook.__doc__


@pytest.mark.parametrize("retain_first", [True, False])
def test_retain_grad_stores_the_value_after_the_hooks_in_either_order(retain_first):
    x = torch.arange(4.0, requires_grad=True)
    d = torch.dot(x, x)
    if retain_first:
        d.retain_grad()
    d.register_hook(lambda grad: grad * 10)
    if not retain_first:
        d.retain_grad()
    (2 * d).backward()
    assert d.grad.item() == 20.0


@pytest.mark.parametrize("retain_first", [True, False])
def test_retain_grad_stores_after_every_register_hook_hook_but_before_a_hook_on_the_tensors_node(retain_first):
    """The page's rule names `register_hook`: a pre-hook on `d.grad_fn` runs only after the gradient is stored."""
    x = torch.arange(4.0, requires_grad=True)
    d = torch.dot(x, x)
    if retain_first:
        d.retain_grad()
    d.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 10,))
    d.register_hook(lambda grad: grad * 3)
    d.register_hook(lambda grad: grad * 5)
    if not retain_first:
        d.retain_grad()
    (2 * d).backward()
    assert d.grad.item() == 2.0 * 3 * 5
    assert torch.equal(x.grad, 2.0 * 3 * 5 * 10 * 2 * x.detach())


@pytest.mark.parametrize(
    ("order", "stored"),
    [
        ("retain hook", 20.0),
        ("hook retain", 20.0),
        ("retain hook in_place", 2.0),
        ("hook retain in_place", 2.0),
        ("hook in_place retain", 2.0),
        ("retain in_place hook", 20.0),
        ("in_place retain hook", 20.0),
        ("in_place hook retain", 20.0),
        ("retain hook view_in_place", 2.0),
        ("retain view_in_place hook", 20.0),
    ],
)
def test_retain_grad_stores_after_the_hooks_registered_since_the_tensors_last_in_place_change(order, stored):
    """A hook registered before an in-place change stays with the old value: it still scales what reaches x."""
    x = torch.arange(4.0, requires_grad=True)
    d = x * x
    for step in order.split():
        if step == "retain":
            d.retain_grad()
        elif step == "hook":
            d.register_hook(lambda grad: grad * 10)
        elif step == "in_place":
            d.mul_(1)
        else:
            d[:2].mul_(1)
    (2 * d).sum().backward()
    assert torch.equal(d.grad, torch.full((4,), stored))
    assert torch.equal(x.grad, 40 * x.detach())


def test_hook_alone_stores_nothing_on_a_non_leaf():
    x = torch.arange(4.0, requires_grad=True)
    d = torch.dot(x, x)
    d.register_hook(lambda grad: None)
    (2 * d).backward()
    assert not d.retains_grad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert d.grad is None


def test_hook_on_a_leaf_used_twice_is_called_once_with_the_sum():
    x = torch.arange(4.0, requires_grad=True)
    calls = []
    x.register_hook(lambda grad: calls.append(grad.clone()))
    (2 * torch.dot(x, x)).backward()
    assert len(calls) == 1 and torch.equal(calls[0], 4 * x.detach())


# --- module hooks ---------------------------------------------------------------------------------


def tiny_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))


def test_module_hooks_run_once_each_in_reverse_order_and_warn_for_the_data_layer():
    net = tiny_net()
    order = []
    for index, layer in enumerate(net):
        layer.register_full_backward_hook(lambda m, gi, go, index=index: order.append((index, gi)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net(torch.randn(4, 3)).sum().backward()
    assert [index for index, _ in order] == [2, 1, 0]
    assert order[-1][1] == (None,)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1 and messages[0].startswith(NO_INPUTS_WARNING)


def test_grad_input_holds_input_gradients_not_parameter_gradients():
    net = tiny_net()
    captured = {}
    net[2].register_full_backward_hook(lambda m, gi, go: captured.update(gi=gi, go=go))
    hidden = net[1](net[0](torch.randn(4, 3)))
    net[2](hidden).sum().backward()
    (grad_input,) = captured["gi"]
    # d(sum(hidden @ W.T + b))/d hidden = W, broadcast over the batch.
    torch.testing.assert_close(grad_input, net[2].weight.detach().expand(4, 2))
    assert net[2].weight.grad.shape == (1, 2) and grad_input.shape == (4, 2)


def test_no_warning_when_the_input_requires_grad():
    net = tiny_net()
    net[0].register_full_backward_hook(lambda m, gi, go: None)
    inputs = torch.randn(4, 3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net(inputs).sum().backward()


def test_returning_a_tuple_replaces_grad_input():
    net = tiny_net()
    net[1].register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    net(torch.randn(4, 3)).sum().backward()
    assert torch.equal(net[0].weight.grad, torch.zeros(2, 3))
    assert net[2].weight.grad.abs().sum() > 0  # the layer after the hook is untouched


def test_the_old_backward_hook_warns_and_sees_only_the_last_operation():
    net = tiny_net()
    seen = []
    net.register_backward_hook(lambda m, gi, go: seen.append([None if g is None else tuple(g.shape) for g in gi]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net(torch.randn(4, 3)).sum().backward()
    assert any(issubclass(w.category, FutureWarning) and "non-full backward hook" in str(w.message) for w in caught)
    # The gradients of the last addmm (bias, input, weight), not of the Sequential's input (4, 3).
    assert seen == [[(1,), (4, 2), (2, 1)]]


@pytest.mark.parametrize(
    ("release", "full", "old"),
    [
        ("2.14.1", ["UserWarning"], ["FutureWarning"]),
        ("2.0.1", [], ["UserWarning"]),
        ("1.12.0", [], ["UserWarning"]),
    ],
)
def test_the_full_hook_warns_from_torch_2_13_on_and_the_old_hook_s_warning_was_a_user_warning_before(
    release, full, old
):
    printed = printed_on(release)
    assert printed["full"] == full
    assert printed["old"] == old


@pytest.mark.parametrize(("release", "stored"), [("2.14.1", "20.0"), ("2.0.1", "20.0"), ("1.12.0", "2.0")])
def test_retain_grad_stores_after_the_hooks_since_torch_2_0_and_in_registration_order_on_1_12(release, stored):
    assert printed_on(release)["retain"] == [stored]


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_with_another_term_only_a_plain_backward_reaches_the_error_node_on_other_releases_too(release):
    assert printed_on(release)["other_term"] == ["True", "True", "raises"]


@pytest.mark.parametrize(("release", "stored"), [("2.14.1", ["2.0", "2.0"]), ("2.0.1", ["2.0", "20.0"])])
def test_a_hook_registered_before_an_in_place_change_misses_retain_grad_but_through_a_view_not_on_2_0(release, stored):
    """Why the page states the in-place rule for its own torch only: 2.0 differs when the change goes through a view."""
    assert printed_on(release)["in_place"] == stored


@pytest.mark.parametrize(
    ("release", "words"),
    [
        ("2.14.1", "The_differentiated_Tensor_at_index_0"),
        ("2.0.1", "One_of_the_differentiated_Tensors"),
        ("1.12.0", "One_of_the_differentiated_Tensors"),
    ],
)
def test_the_unused_input_message_names_the_index_only_on_newer_releases(release, words):
    assert printed_on(release)["unused"] == [words]


# --- saved tensors hooks --------------------------------------------------------------------------


def saved_while(compute):
    packed, unpacked = [], []

    def pack(t):
        packed.append(t)
        return t

    def unpack(t):
        unpacked.append(t)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        out = compute()
    return out, packed, unpacked


def test_step_by_step_softplus_saves_four_tensors_the_function_one():
    x = POINTS.clone().requires_grad_()
    by_autograd, packed, _ = saved_while(lambda: x.clamp(min=0) + torch.log1p(torch.exp(-x.abs())))
    assert len(packed) == 4
    assert packed[0] is x and packed[1] is x
    assert packed[2] is packed[3] and packed[2].grad_fn.name() == "ExpBackward0"
    by_function, packed, unpacked = saved_while(lambda: StableSoftplus.apply(x))
    assert len(packed) == 1 and packed[0] is x and unpacked == []
    by_function.sum().backward()  # outside the with block
    assert len(unpacked) == 1 and unpacked[0] is x


def test_which_node_saves_which_tensor():
    x = POINTS.clone().requires_grad_()
    e = torch.exp(-x.abs())
    y = x.clamp(min=0) + torch.log1p(e)
    clamp, log1p = (f for f, _ in y.grad_fn.next_functions)
    assert clamp.name() == "ClampBackward1" and clamp._saved_self is x
    assert log1p.name() == "Log1PBackward0" and torch.equal(log1p._saved_self, e)
    exp = log1p.next_functions[0][0]
    assert exp.name() == "ExpBackward0" and torch.equal(exp._saved_result, e)
    abs_node = exp.next_functions[0][0].next_functions[0][0]
    assert abs_node.name() == "AbsBackward0" and abs_node._saved_self is x


def test_save_on_cpu_is_a_pair_of_saved_tensors_hooks():
    assert issubclass(torch.autograd.graph.save_on_cpu, torch.autograd.graph.saved_tensors_hooks)


def test_what_pack_returns_is_what_backward_gets_through_unpack():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t.detach().numpy().copy(), torch.from_numpy):
        y = (x * x).sum()
    y.backward()
    assert torch.equal(x.grad, 2 * x.detach())


# --- the conditions the page states ----------------------------------------------------------------


def test_once_differentiable_with_a_constant_upstream_gradient_drops_its_term_silently():
    x = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    loss = OnceSoftplus.apply(x).sum() + (x**3).sum()
    (g,) = torch.autograd.grad(loss, x, create_graph=True)
    assert g.grad_fn.name() == "AddBackward0"  # no error node: the upstream gradient of OnceSoftplus is 1
    (h,) = torch.autograd.grad(g.sum(), x)  # no error either
    s = torch.sigmoid(x.detach())
    assert torch.equal(h, 6 * x.detach())
    torch.testing.assert_close(
        6 * x.detach() + s * (1 - s), torch.tensor([-11.8950, 0.2500, 12.1050]), atol=1e-4, rtol=0
    )


def test_autograd_grad_and_backward_inputs_never_reach_the_error_node_and_drop_its_part_silently():
    x = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    s = torch.sigmoid(x.detach())
    sp = torch.nn.functional.softplus(x.detach())
    true = 6 * x.detach() + 2 * (s * s + sp * s * (1 - s))

    def first():  # the upstream gradient 2 softplus(x) requires grad, so the error node is planted
        (g,) = torch.autograd.grad((OnceSoftplus.apply(x) ** 2).sum() + (x**3).sum(), x, create_graph=True)
        return g

    (h,) = torch.autograd.grad(first().sum(), x)
    assert torch.equal(h, 6 * x.detach()) and not torch.allclose(h, true)
    x.grad = None
    first().sum().backward(inputs=[x])
    assert torch.equal(x.grad, 6 * x.detach())
    with pytest.raises(RuntimeError) as info:  # only a plain backward() runs every node
        first().sum().backward()
    assert str(info.value) == ONCE
    # The Function alone: autograd.grad finds x unused, backward(inputs=[x]) leaves x.grad at None.
    x.grad = None
    first_derivative(OnceSoftplus, x).sum().backward(inputs=[x])
    assert x.grad is None
    torch.testing.assert_close(true, torch.tensor([-11.9449, 0.8466, 13.9982]), atol=1e-4, rtol=0)


def test_gradgradcheck_catches_what_once_differentiable_lets_through():
    x = torch.tensor([-2.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    assert not gradgradcheck(lambda t: OnceSoftplus.apply(t).sum() + (t**3).sum(), (x,), raise_exception=False)


def test_composite_functions_leave_the_nodes_of_their_parts():
    import torch.nn.functional as F

    a = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    W = torch.ones(2, 3, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    assert torch.square(a).grad_fn.name() == "PowBackward0"
    assert F.linear(a, W, b).grad_fn.name() == "AddmmBackward0"
    assert F.linear(a, W).grad_fn.name() == "MmBackward0"
    assert F.normalize(a, dim=1).grad_fn.name() == "DivBackward0"


def test_zeta_has_no_derivative_formula_for_its_first_argument_only():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    z = torch.special.zeta(x, torch.tensor(1.0))
    with pytest.raises(NotImplementedError, match="the derivative for 'zeta' is not implemented"):
        z.sum().backward()
    # with respect to q there is a formula: d/dq zeta(s, q) = -s * zeta(s + 1, q)
    q = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    torch.special.zeta(torch.tensor(3.0, dtype=torch.float64), q).backward()
    expected = -3.0 * torch.special.zeta(torch.tensor(4.0, dtype=torch.float64), torch.tensor(2.0, dtype=torch.float64))
    assert torch.allclose(q.grad, expected)
    assert round(q.grad.item(), 4) == -0.2470


def test_ctx_is_the_grad_fn_only_when_the_call_is_recorded():
    seen = {}

    class Remember(DotProduct):
        @staticmethod
        def setup_context(ctx, inputs, output):
            DotProduct.setup_context(ctx, inputs, output)
            seen["ctx"] = ctx

    x = torch.ones(3, requires_grad=True)
    out = Remember.apply(x, torch.ones(3))
    assert out.grad_fn is seen["ctx"]
    with torch.no_grad():
        out = Remember.apply(x, torch.ones(3))
    assert out.grad_fn is None and not out.requires_grad
    out = Remember.apply(torch.ones(3), torch.ones(3))  # no input requires grad
    assert out.grad_fn is None and not out.requires_grad


# torch.func.jvp imports forward_ad, which makes torch itself call the deprecated torch.jit.script.
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_setup_context_is_needed_but_vmap_and_jvp_need_more():
    x = torch.arange(1.0, 4.0)
    ones = torch.ones(3)

    class VmapDot(DotProduct):
        generate_vmap_rule = True

    assert torch.equal(torch.func.grad(lambda t: DotProduct.apply(t, t))(x), 2 * x)
    with pytest.raises(RuntimeError, match="does not have vmap support"):
        torch.func.vmap(lambda t: DotProduct.apply(t, t))(x.unsqueeze(1))
    assert torch.equal(torch.func.vmap(lambda t: VmapDot.apply(t, t))(x.unsqueeze(1)), x**2)
    with pytest.raises(NotImplementedError, match="You must implement the jvp function"):
        torch.func.jvp(lambda t: VmapDot.apply(t, t), (x,), (ones,))
    with pytest.raises(RuntimeError, match="does not have vmap support"):
        torch.func.hessian(lambda t: DotProduct.apply(t, t))(x)
    with pytest.raises(NotImplementedError, match="You must implement the jvp function"):
        torch.func.hessian(lambda t: VmapDot.apply(t, t))(x)


def test_masking_the_input_of_the_discarded_branch_fixes_the_softplus_gradient():
    x = torch.tensor([-5.0, 0.0, 5.0, 100.0], requires_grad=True)
    y = torch.where(x > 20, x, torch.log1p(torch.exp(torch.where(x > 20, 0.0, x))))
    y.sum().backward()
    assert torch.isfinite(x.grad).all()
    torch.testing.assert_close(x.grad, torch.sigmoid(x.detach()))
    torch.testing.assert_close(y.detach(), torch.nn.functional.softplus(x.detach()))


def test_abs_at_zero_takes_neither_one_sided_slope():
    x = torch.tensor([-1e-3, 0.0, 1e-3], requires_grad=True)
    x.abs().sum().backward()
    assert x.grad.tolist() == [-1.0, 0.0, 1.0]


EXTENSION = r"""
#include <torch/extension.h>

torch::Tensor torch_ops_softplus(torch::Tensor x) {
  return torch::clamp_min(x, 0) + torch::log1p(torch::exp(-torch::abs(x)));
}

torch::Tensor raw_softplus(torch::Tensor x) {
  auto in = x.detach().contiguous();
  auto out = torch::empty_like(in);
  const float* a = in.data_ptr<float>();
  float* b = out.data_ptr<float>();
  for (int64_t i = 0; i < in.numel(); ++i) b[i] = std::max(a[i], 0.f) + std::log1p(std::exp(-std::abs(a[i])));
  return out;
}
"""


def test_autograd_records_a_cpp_extension_made_of_torch_operations_but_not_a_kernel_on_raw_numbers():
    import shutil
    import tempfile

    from torch.utils.cpp_extension import load_inline

    if shutil.which("c++") is None or shutil.which("ninja") is None:
        pytest.skip("building a C++ extension needs a C++ compiler and ninja")
    build = Path(tempfile.gettempdir()) / f"function-and-hooks-extension-torch-{torch.__version__}"
    build.mkdir(exist_ok=True)  # kept between runs: ninja rebuilds only when the source changes
    ext = load_inline(
        name="function_and_hooks_softplus",
        cpp_sources=EXTENSION,
        functions=["torch_ops_softplus", "raw_softplus"],
        build_directory=str(build),
    )
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    y = ext.torch_ops_softplus(x)
    assert y.grad_fn.name() == "AddBackward0"
    assert [f.name() for f, _ in y.grad_fn.next_functions] == ["ClampMinBackward0", "Log1PBackward0"]
    y.sum().backward()
    torch.testing.assert_close(x.grad, torch.sigmoid(x.detach()))
    z = ext.raw_softplus(x)
    torch.testing.assert_close(z, torch.nn.functional.softplus(x.detach()))
    assert z.grad_fn is None and not z.requires_grad  # autograd saw nothing: no graph back to x


# --- moved from backward-twice (review r6, finding 2): "As with a built-in node, the node lets go of the tensors
# passed to ctx.save_for_backward once a backward pass has run through it, so a second walk raises unless the first
# passed retain_graph=True (or create_graph=True). A tensor stored directly as an attribute of ctx would stay with the
# node, but ... an attribute escapes the in-place check (change it later and the gradient is silently wrong) and the
# saved-tensor hooks." --------------------------------------------------------------------------------------------

SECOND_TIME = "Trying to backward through the graph a second time"


class SquareSaved(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t * t

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return 2 * t * grad


class SquareSetupContext(torch.autograd.Function):  # the style the page teaches
    @staticmethod
    def forward(t):
        return t * t

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return 2 * t * grad


class SquareAttribute(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.t = t  # what PyTorch asks you not to do
        return t * t

    @staticmethod
    def backward(ctx, grad):
        return 2 * ctx.t * grad


@pytest.mark.parametrize("function", [SquareSaved, SquareSetupContext], ids=["forward-ctx", "setup_context"])
def test_a_tensor_a_custom_function_passes_to_save_for_backward_is_gone_after_the_first_call(function):
    x = torch.arange(4.0, requires_grad=True)
    out = function.apply(x)
    y = out.sum()
    y.backward()
    with pytest.raises(RuntimeError, match="after they have already been freed"):
        out.grad_fn.saved_tensors
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        y.backward()
    assert torch.equal(x.grad, 2 * x.detach())
    for keep in ({"retain_graph": True}, {"create_graph": True}):
        x.grad = None
        y = function.apply(x).sum()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # backward(create_graph=True) warns of a reference cycle
            y.backward(**keep)
        y.backward()
        assert torch.equal(x.grad.detach(), 4 * x.detach())


def test_a_custom_function_s_ctx_attribute_stays_with_its_node_and_survives_a_second_walk():
    x = torch.arange(4.0, requires_grad=True)
    out = SquareAttribute.apply(x)
    y = out.sum()
    y.backward()
    assert out.grad_fn.t is x
    y.backward()
    assert torch.equal(x.grad, 4 * x.detach())


@pytest.mark.parametrize("input_kind", ["a non-leaf", "a detached leaf"])
def test_a_ctx_attribute_escapes_the_in_place_check_where_save_for_backward_raises(input_kind):
    def run(function):
        x = torch.arange(4.0, requires_grad=True)
        h = x * 1 if input_kind == "a non-leaf" else x
        y = function.apply(h).sum()
        (h if input_kind == "a non-leaf" else h.detach()).mul_(10)  # change the input after the forward pass
        y.backward()
        return x.grad

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        run(SquareSaved)
    assert torch.equal(run(SquareAttribute), torch.tensor([0.0, 20.0, 40.0, 60.0]))  # the true gradient is 2x


def test_saved_tensor_hooks_see_what_save_for_backward_saves_and_not_a_ctx_attribute():
    for function, packed in ((SquareSaved, 1), (SquareSetupContext, 1), (SquareAttribute, 0)):
        seen = []
        x = torch.arange(4.0, requires_grad=True)
        with torch.autograd.graph.saved_tensors_hooks(lambda t: seen.append(t) or t, lambda t: t):
            function.apply(x).sum()
        assert len(seen) == packed, function.__name__


def test_the_documentation_asks_for_every_tensor_of_the_backward_to_go_through_save_for_backward():
    doc = torch.autograd.function.FunctionCtx.save_for_backward.__doc__
    assert (
        "All tensors intended to be used in the backward pass should be saved with ``save_for_backward``"
        in " ".join(doc.split())
    )


# --- moved from detach: "While hooks do the saving, the in-place check ... is off: a saved tensor changed in place
# afterwards (through detach(), say) raises nothing, and unless pack stored a copy, the gradient is silently wrong.
# save_on_cpu() on the CPU stores no copy, so it too lets such a change through." -----------------------------------


def _identity_hooks():
    return torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t)


@pytest.mark.parametrize("saving", ["saved_tensors_hooks", "save_on_cpu"])
def test_when_saved_tensor_hooks_do_the_saving_the_version_is_not_checked_and_a_wrong_gradient_passes_silently(saving):
    a = torch.ones(3, requires_grad=True)
    with _identity_hooks() if saving == "saved_tensors_hooks" else torch.autograd.graph.save_on_cpu():
        b = a.exp()
    b.detach().mul_(0)
    assert b._version == 1  # counted, but nobody checks it
    b.sum().backward()  # no error
    assert torch.equal(a.grad, torch.zeros(3))  # the true gradient is e = 2.7183 each


def test_a_hook_that_saves_a_copy_is_not_checked_either_but_keeps_the_right_gradient_so_the_box_says_can():
    a = torch.ones(3, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda t: t):
        b = a.exp()
    b.detach().mul_(0)
    b.sum().backward()
    torch.testing.assert_close(a.grad, torch.full((3,), torch.e))


def test_without_hooks_the_same_change_raises_so_the_hooks_are_the_exception():
    a = torch.ones(3, requires_grad=True)
    b = a.exp()
    b.detach().mul_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


CTX_AND_HOOKS_ON_RELEASE = """
import warnings; warnings.simplefilter("ignore")
import torch
class Saved(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t): ctx.save_for_backward(t); return t * t
    @staticmethod
    def backward(ctx, g): (t,) = ctx.saved_tensors; return 2 * t * g
class Attribute(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t): ctx.t = t; return t * t
    @staticmethod
    def backward(ctx, g): return 2 * ctx.t * g
for name, function in (("saved", Saved), ("attribute", Attribute)):
    x = torch.arange(4.0, requires_grad=True); y = function.apply(x).sum(); y.backward()
    try:
        y.backward(); print(name + "_second_walk", "twice")
    except RuntimeError:
        print(name + "_second_walk", "raises")
    x = torch.arange(4.0, requires_grad=True); h = x * 1; y = function.apply(h).sum(); h.mul_(10)
    try:
        y.backward(); print(name + "_in_place", x.grad.tolist() == [0.0, 20.0, 40.0, 60.0])
    except RuntimeError:
        print(name + "_in_place", "raises")
a = torch.ones(3, requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
    b = a.exp()
b.detach().mul_(0); b.sum().backward(); print("hooks", a.grad.tolist() == [0.0, 0.0, 0.0])
a.grad = None
with torch.autograd.graph.save_on_cpu():
    b = a.exp()
b.detach().mul_(0); b.sum().backward(); print("save_on_cpu", a.grad.tolist() == [0.0, 0.0, 0.0])
"""


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_the_ctx_attribute_and_hook_sentences_hold_on_the_other_recorded_releases(release):
    out = run_on(release, CTX_AND_HOOKS_ON_RELEASE).split()
    assert dict(zip(out[::2], out[1::2])) == {
        "saved_second_walk": "raises",
        "saved_in_place": "raises",
        "attribute_second_walk": "twice",
        "attribute_in_place": "True",
        "hooks": "True",
        "save_on_cpu": "True",
    }
