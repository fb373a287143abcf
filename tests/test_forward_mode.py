"""Claims of docs/<lang>/forward-mode.md that its checked outputs do not show by themselves.

The cost figures' data and the other forward-mode claims are tried in tests/test_cost.py; the Dual
class against torch on random expressions in tests/test_from_scratch.py.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
import torch.autograd.forward_ad as fwAD
from cost_data import read_measurements, series

ROOT = Path(__file__).resolve().parent.parent


# The torch the versions page describes as printing a FutureWarning (its venv exists after `make versions`).
NEWER = ROOT / ".venvs" / "torch-2.14.1" / "bin" / "python"
WARNING = "`torch.jit.script` is deprecated"


# --- create_graph=True records only what involves a tensor that requires grad ----------------------


@pytest.mark.parametrize("make", [lambda x: (3 * x).sum(), lambda x: (x + 1).sum()], ids=["3x", "x+1"])
def test_a_gradient_whose_backward_uses_no_tensor_that_requires_grad_has_no_graph_even_with_create_graph(make):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (gradient,) = torch.autograd.grad(make(x), x, create_graph=True)
    assert gradient.grad_fn is None and not gradient.requires_grad
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        torch.autograd.grad(gradient.sum(), x)


def test_a_gradient_that_is_constant_but_computed_from_a_saved_tensor_has_a_graph():
    """Why the page states the condition by what the backward uses, not by 'constant in x'."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (gradient,) = torch.autograd.grad(torch.relu(x).sum(), x, create_graph=True)
    assert torch.equal(gradient, torch.ones(2)) and gradient.grad_fn is not None
    (second,) = torch.autograd.grad(gradient.sum(), x)
    assert torch.equal(second, torch.zeros(2))


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_with_create_graph_leaves_x_grad_without_grad_fn_under_the_same_condition():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (3 * x).sum().backward(create_graph=True)
    assert x.grad.grad_fn is None
    x.grad = None
    (x * x).sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None


# --- Which results carry a tangent ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _hide_torch_jit_notice():
    """The first make_dual of this process raises torch's own DeprecationWarnings (tried below)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*torch.jit.script", category=DeprecationWarning)
        yield


def tangent_of(function):
    x = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    with fwAD.dual_level():
        return fwAD.unpack_dual(function(fwAD.make_dual(x, torch.ones_like(x)))).tangent


def test_no_grad_keeps_the_tangents():
    def under_no_grad(dual):
        with torch.no_grad():
            return torch.sin(dual)

    expected = torch.cos(torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64))
    assert torch.allclose(tangent_of(under_no_grad), expected)


def under_inference_mode(dual):
    with torch.inference_mode():
        return torch.sin(dual)


@pytest.mark.parametrize(
    "function",
    [under_inference_mode, lambda d: d.detach().sin(), lambda d: d > 1, lambda d: d.argmax()],
    ids=["inference_mode", "detach", "comparison", "argmax"],
)
def test_these_results_carry_no_tangent(function):
    assert tangent_of(function) is None


def test_a_custom_function_without_jvp_raises_on_a_dual_tensor():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    with pytest.raises(NotImplementedError, match="jvp"):
        tangent_of(Square.apply)


INTEGER_OR_BOOLEAN_RESULTS = {
    "comparison": lambda d: d > 1,
    "equality": lambda d: d == d,
    "isnan": torch.isnan,
    "argmax": lambda d: d.argmax(),
    "argsort": lambda d: d.argsort(),
    "max indices": lambda d: d.max(0).indices,
    "topk indices": lambda d: d.topk(2).indices,
    "long": lambda d: d.long(),
    "long of a smooth operation": lambda d: torch.sin(d).long(),
    "int32": lambda d: d.to(torch.int32),
    "bool": lambda d: d.bool(),
}


@pytest.mark.parametrize("function", INTEGER_OR_BOOLEAN_RESULTS.values(), ids=INTEGER_OR_BOOLEAN_RESULTS.keys())
def test_a_result_whose_dtype_is_boolean_or_integer_carries_no_tangent(function):
    assert tangent_of(function) is None


@pytest.mark.parametrize("function", [torch.floor, torch.round, torch.sign, torch.ceil, torch.trunc])
def test_floor_and_sign_and_their_kind_give_a_float_tangent_of_zeros_not_none(function):
    tangent = tangent_of(function)
    assert (
        tangent is not None
        and tangent.dtype == torch.float64
        and torch.equal(tangent, torch.zeros(3, dtype=torch.float64))
    )


def test_a_float_result_made_from_an_integer_one_carries_a_tangent_of_zeros_again():
    """The dtype of the result decides: floor().float() is float, so it has a tangent."""
    assert torch.equal(tangent_of(lambda d: d.floor().float()), torch.zeros(3))


def grid_sample(d):
    return torch.nn.functional.grid_sample(
        d.reshape(1, 1, 1, 3), torch.zeros(1, 1, 1, 2, dtype=d.dtype), align_corners=False
    )


def cdist(d):
    return torch.cdist(d.reshape(1, 3), torch.ones(2, 3, dtype=d.dtype))


@pytest.mark.parametrize("operation", [cdist, grid_sample], ids=["cdist", "grid_sample"])
def test_cdist_and_grid_sample_backpropagate_but_raise_on_a_dual_tensor(operation):
    x = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    operation(x).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    with pytest.raises(NotImplementedError, match="forward AD .* not been implemented"):
        tangent_of(operation)


@pytest.mark.parametrize("context", [torch.no_grad, torch.enable_grad], ids=["no_grad", "grad_mode"])
def test_a_custom_function_without_jvp_raises_on_a_dual_tensor_in_any_grad_mode(context):
    class Double(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad

    with pytest.raises(NotImplementedError, match="jvp"):
        tangent_of(lambda d: context()(Double.apply)(d))


# --- Forward over reverse needs no create_graph ----------------------------------------------------


def test_a_plain_backward_walk_runs_with_grad_mode_off_and_create_graph_turns_it_on():
    seen = []

    class Watch(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, grad):
            seen.append(torch.is_grad_enabled())
            return grad

    x = torch.ones(2, requires_grad=True)
    torch.autograd.grad(Watch.apply(x).sum(), x)
    torch.autograd.grad(Watch.apply(x).sum(), x, create_graph=True)
    assert seen == [False, True]


def test_a_dual_tensor_through_a_plain_backward_gives_the_second_derivative_without_create_graph():
    x = torch.linspace(-2.0, 2.0, 5, dtype=torch.float64)
    with fwAD.dual_level():
        dual_x = fwAD.make_dual(x.clone().requires_grad_(), torch.ones_like(x))
        (dual_dx,) = torch.autograd.grad((torch.sin(dual_x) * torch.exp(dual_x)).sum(), dual_x)
        value, tangent = fwAD.unpack_dual(dual_dx)
    assert dual_dx.grad_fn is None and not dual_dx.requires_grad
    assert torch.allclose(value, torch.exp(x) * (torch.sin(x) + torch.cos(x)))
    assert torch.allclose(tangent, 2 * torch.exp(x) * torch.cos(x))


@pytest.mark.parametrize("seed", range(5))
def test_a_dual_tensor_through_a_plain_backward_gives_the_hessian_vector_product(seed):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(50, 4, generator=generator, dtype=torch.float64)
    w = torch.randn(4, generator=generator, dtype=torch.float64)
    v = torch.randn(4, generator=generator, dtype=torch.float64)
    t = torch.tanh(X @ w)
    H = X.T @ torch.diag(-2 * t * (1 - t**2)) @ X
    with fwAD.dual_level():
        dual_w = fwAD.make_dual(w.clone().requires_grad_(), v)
        (g,) = torch.autograd.grad(torch.tanh(X @ dual_w).sum(), dual_w)
        hv = fwAD.unpack_dual(g).tangent
    assert g.grad_fn is None
    assert torch.allclose(hv, H @ v)


def gradient_of_dual(function, x):
    """The gradient of function at a dual x (tangent 1) by a plain backward walk: (value, tangent)."""
    with fwAD.dual_level():
        dual_x = fwAD.make_dual(x.clone().requires_grad_(), torch.ones_like(x))
        (gradient,) = torch.autograd.grad(function(dual_x), dual_x)
        return fwAD.unpack_dual(gradient)


WEIGHTS = torch.arange(5.0, dtype=torch.float64)
USES_NO_VALUE_OF_X = {
    "sum": lambda t: t.sum(),
    "3x": lambda t: (3 * t).sum(),
    "x+1": lambda t: (t + 1).sum(),
    "mean": lambda t: t.mean(),
    "cumsum": lambda t: t.cumsum(0).sum(),
    "dot with a constant": lambda t: t @ WEIGHTS,
}
# The page claims only one direction ("where the derivative is 0, unpack_dual may give None");
# these show both kinds of backward: some that use x give None too, some give zeros.
OTHERS = {
    "x*x": lambda t: (t * t).sum(),
    "exp": lambda t: t.exp().sum(),
    "sin": lambda t: t.sin().sum(),
    "relu": lambda t: t.relu().sum(),
    "abs": lambda t: t.abs().sum(),
    "clamp": lambda t: t.clamp(-1, 1).sum(),
    "max": lambda t: t.max(),
    "sort": lambda t: t.sort().values.sum(),
    "sort squared": lambda t: t.sort().values.pow(2).sum(),
    "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t).sum(),
    "norm": lambda t: t.norm(),
    "logsumexp": lambda t: t.logsumexp(0),
}
POINTS = torch.linspace(-2.0, 2.0, 5, dtype=torch.float64)


@pytest.mark.parametrize("function", USES_NO_VALUE_OF_X.values(), ids=USES_NO_VALUE_OF_X.keys())
def test_a_gradient_whose_backward_uses_no_value_of_x_comes_out_of_a_dual_tensor_without_a_tangent(function):
    value, tangent = gradient_of_dual(function, POINTS)
    assert tangent is None
    # ... and the derivative it stands for is 0.
    _, derivative = torch.func.jvp(torch.func.grad(function), (POINTS,), (torch.ones_like(POINTS),))
    assert torch.equal(derivative, torch.zeros_like(POINTS))
    assert torch.allclose(value, torch.func.grad(function)(POINTS))


@pytest.mark.parametrize(
    "function", [*USES_NO_VALUE_OF_X.values(), *OTHERS.values()], ids=[*USES_NO_VALUE_OF_X, *OTHERS]
)
def test_a_dual_gradient_gives_none_only_where_the_derivative_of_the_gradient_is_0(function):
    _, tangent = gradient_of_dual(function, POINTS)
    _, derivative = torch.func.jvp(torch.func.grad(function), (POINTS,), (torch.ones_like(POINTS),))
    if tangent is None:
        assert torch.equal(derivative, torch.zeros_like(POINTS))
    else:
        assert torch.allclose(tangent, derivative)


def test_forward_over_reverse_raises_for_group_norm_and_mse_loss_where_double_backward_works():
    """Each backward formula on the way must work on dual tensors; these two do not."""
    functional = torch.nn.functional
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(1, 4, 4, generator=generator, dtype=torch.float64)
    X = torch.randn(8, 3, generator=generator, dtype=torch.float64)
    y = torch.randn(8, generator=generator, dtype=torch.float64)
    w = torch.randn(3, generator=generator, dtype=torch.float64)
    v = torch.randn(3, generator=generator, dtype=torch.float64)

    def group_norm(t):
        return functional.group_norm(t, 2).pow(3).sum()

    def mse(t):
        return functional.mse_loss(X @ t, y)

    # Forward mode alone goes through group_norm; its backward formula has no forward-mode formula.
    with fwAD.dual_level():
        assert fwAD.unpack_dual(group_norm(fwAD.make_dual(images, torch.ones_like(images)))).tangent is not None
    with pytest.raises(NotImplementedError, match="native_group_norm_backward"):
        gradient_of_dual(group_norm, images)
    with pytest.raises(RuntimeError):
        torch.func.jvp(torch.func.grad(mse), (w,), (v,))
    with pytest.raises(RuntimeError):
        gradient_of_dual(mse, w)

    # Double backward with create_graph=True works for both. For group_norm, unlike the dual tensor through
    # a plain backward, torch.func's jvp(grad(...)) does work; it gives the value to compare with.
    ones = torch.ones_like(images)
    _, group_norm_hv = torch.func.jvp(torch.func.grad(group_norm), (images,), (ones,))
    for function, at, direction, expected in [
        (mse, w, v, 2 / 8 * X.T @ X @ v),
        (group_norm, images, ones, group_norm_hv),
    ]:
        leaf = at.clone().requires_grad_()
        (gradient,) = torch.autograd.grad(function(leaf), leaf, create_graph=True)
        (hv,) = torch.autograd.grad((gradient * direction).sum(), leaf)
        assert torch.allclose(hv, expected)


# --- The warning forward mode prints on its first use ----------------------------------------------
# Each first use needs a Python process of its own; the checks are grouped to start few of them.

FIRST_USE = (
    "import torch\n"
    "import torch.autograd.forward_ad as fwAD\n"
    "with fwAD.dual_level():\n"
    "    pass\n"
    "print('dual_level alone', flush=True)\n"
    "with fwAD.dual_level():\n"
    "    fwAD.make_dual(torch.ones(2), torch.ones(2))\n"
    "print('first make_dual', flush=True)\n"
    "with fwAD.dual_level():\n"
    "    fwAD.make_dual(torch.ones(2), torch.ones(2))\n"
    "print('second make_dual', flush=True)\n"
)


def run(python, *options, code=FIRST_USE) -> str:
    """What the process wrote, stderr and stdout in the order written."""
    result = subprocess.run(
        [str(python), *options, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True
    )
    return result.stdout


def warnings_between(output: str, category: str) -> dict[str, list[str]]:
    """The warning lines before each marker line that FIRST_USE prints, by marker."""
    found, current = {}, []
    for line in output.splitlines():
        if line in ("dual_level alone", "first make_dual", "second make_dual"):
            found[line], current = current, []
        elif f"{category}: {WARNING}" in line:
            current.append(line)
    return found


def test_make_dual_is_what_jvp_jacfwd_and_hessian_call_and_jacrev_does_not(monkeypatch):
    calls = []
    original = fwAD.make_dual
    monkeypatch.setattr(fwAD, "make_dual", lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    x = torch.ones(2)
    for transform, uses_it in [
        (lambda: torch.func.jacrev(torch.sin)(x), False),
        (lambda: torch.func.jvp(torch.sin, (x,), (x,)), True),
        (lambda: torch.func.jacfwd(torch.sin)(x), True),
        (lambda: torch.func.hessian(lambda w: w.sin().sum())(x), True),
    ]:
        calls.clear()
        transform()
        assert bool(calls) == uses_it


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_on_the_pinned_torch_the_first_make_dual_raises_18_deprecation_warnings_that_python_hides():
    shown_always = warnings_between(run(sys.executable, "-W", "always"), "DeprecationWarning")
    assert [len(shown_always[m]) for m in ("dual_level alone", "first make_dual", "second make_dual")] == [0, 18, 0]
    assert WARNING not in run(sys.executable)


newer_only = pytest.mark.skipif(not NEWER.exists(), reason="no .venvs/torch-2.14.1 (made by `make versions`)")


@newer_only
def test_on_torch_2_14_the_first_make_dual_warns_18_times_from_one_line_so_python_shows_it_once_by_default():
    shown_always = warnings_between(run(NEWER, "-W", "always"), "FutureWarning")
    assert [len(shown_always[m]) for m in ("dual_level alone", "first make_dual", "second make_dual")] == [0, 18, 0]
    assert len({line.split(": FutureWarning")[0] for line in shown_always["first make_dual"]}) == 1  # one file:line
    shown_by_default = warnings_between(run(NEWER), "FutureWarning")
    assert [len(shown_by_default[m]) for m in ("dual_level alone", "first make_dual", "second make_dual")] == [0, 1, 0]


@newer_only
def test_on_torch_2_14_the_filter_the_versions_page_gives_hides_the_warning():
    code = (
        "import warnings\n"
        'warnings.filterwarnings("ignore", message=".*torch.jit.script", category=FutureWarning)\n' + FIRST_USE
    )
    assert WARNING not in run(NEWER, "-W", "always", code=code)


# --- The measured Hessians: the vmap-batched one is not faster throughout ---------------------------


def test_neither_way_of_computing_the_whole_hessian_is_faster_at_every_n_and_they_are_close_at_the_largest():
    _, rows = read_measurements("cost_derivatives.csv")
    sizes, by_rows = series(rows, "size", "value", experiment="hessian", method="hessian_by_rows")
    _, batched = series(rows, "size", "value", experiment="hessian", method="hessian_vmap")
    ratios = [b / r for b, r in zip(batched, by_rows)]
    assert min(ratios) < 1 < max(ratios), "one of them is faster at every n: the page says neither is"
    assert 0.5 < ratios[sizes.index(max(sizes))] < 2, "at the largest n the page says they take about the same time"


def test_the_random_expression_test_the_page_mentions_tries_hundreds_of_expressions_with_these_operations():
    import re

    source = (ROOT / "tests" / "test_from_scratch.py").read_text(encoding="utf-8")
    (examples,) = re.findall(r"max_examples=(\d+)[^\n]*\n[^\n]*\ndef test_dual_numbers_match_torch", source)
    assert int(examples) >= 200
    for operation in ("add", "sub", "mul", "div", "pow", "exp", "log", "sin", "tanh", "relu"):
        assert f'"{operation}"' in source
