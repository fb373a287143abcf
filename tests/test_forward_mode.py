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
from other_releases import OTHER_RELEASES

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


# "By default ... the result is a plain tensor without a grad_fn (unless grad_outputs itself has a graph and the
# backward hands it through unchanged, as that of x.clone() or x + 1 does)."

HANDS_THROUGH = {"clone": lambda x: x.clone(), "x+1": lambda x: x + 1, "x-c": lambda x: x - 2.0}
CHANGES_IT = {
    "3x": lambda x: 3 * x,
    "x*1": lambda x: x * 1,
    "sin": lambda x: x.sin(),
    "x*x": lambda x: x * x,
    "view": lambda x: x.view(3, 1).view(3),
}


@pytest.mark.parametrize(
    "make, hands_through",
    [*((m, True) for m in HANDS_THROUGH.values()), *((m, False) for m in CHANGES_IT.values())],
    ids=[*HANDS_THROUGH, *CHANGES_IT],
)
def test_without_create_graph_a_gradient_has_a_graph_only_where_the_backward_hands_a_grad_outputs_with_one_through(
    make, hands_through
):
    x = torch.randn(3, generator=torch.Generator().manual_seed(0), requires_grad=True)
    w = torch.ones(3, requires_grad=True)
    v = w * 2
    (gradient,) = torch.autograd.grad(make(x), x, grad_outputs=v)
    assert (gradient.grad_fn is not None) == hands_through
    if hands_through:
        assert gradient is v  # the very tensor, with its graph back to w
        assert torch.equal(torch.autograd.grad(gradient.sum(), w)[0], torch.full((3,), 2.0))
    # A grad_outputs without a graph gives a plain tensor for every one of them.
    (plain,) = torch.autograd.grad(make(x), x, grad_outputs=v.detach())
    assert plain.grad_fn is None and not plain.requires_grad


def test_backward_stores_a_plain_x_grad_even_when_it_hands_a_gradient_with_a_graph_through():
    x = torch.randn(3, requires_grad=True)
    v = torch.ones(3, requires_grad=True) * 2
    x.clone().backward(v)
    assert x.grad.grad_fn is None and x.grad is not v


# --- The create_graph warning of backward() --------------------------------------------------------
# "PyTorch issues a UserWarning (whether or not x.grad has a grad_fn) ... By default the warning appears once
# per process; it comes on every call only when both torch.set_warn_always(True) and Python's
# warnings.simplefilter("always") are set." Each case needs a fresh process.

CREATE_GRAPH_CALLS = (
    "import sys, warnings, torch\n"
    "if 'warn_always' in sys.argv: torch.set_warn_always(True)\n"
    "if 'simplefilter' in sys.argv: warnings.simplefilter('always')\n"
    "for make in (lambda x: (3 * x).sum(), lambda x: (x * x).sum(), lambda x: (x * x).sum()):\n"
    "    x = torch.ones(3, requires_grad=True)\n"
    "    make(x).backward(create_graph=True)\n"
    "    print('call', x.grad.grad_fn is not None, file=sys.stderr, flush=True)\n"
)
RELEASES = {
    "pinned": Path(sys.executable),
    **{release: ROOT / ".venvs" / f"torch-{release}" / "bin" / "python" for release in OTHER_RELEASES},
}
SWITCHES = {  # switches set -> how many of the three calls warn
    "default": ((), [1, 0, 0]),
    "set_warn_always only": (("warn_always",), [1, 0, 0]),
    "simplefilter only": (("simplefilter",), [1, 0, 0]),
    "both": (("warn_always", "simplefilter"), [1, 1, 1]),
}
# One switch alone is tried on the pinned torch only: each case starts a process.
WARNING_CASES = [("pinned", name) for name in SWITCHES] + [
    (release, name) for release in RELEASES if release != "pinned" for name in ("default", "both")
]


@pytest.mark.parametrize("release, switches", WARNING_CASES, ids=[f"{r}-{n}" for r, n in WARNING_CASES])
def test_backward_with_create_graph_warns_once_per_process_unless_both_switches_ask_for_every_call(release, switches):
    switches, shown = SWITCHES[switches]
    python = RELEASES[release]
    if not python.exists():
        pytest.skip(f"torch {release} is not installed in .venvs/ (make versions installs it)")
    output = run(python, "-c", CREATE_GRAPH_CALLS, *switches, code=None)
    counts, graphs, current = [], [], 0
    for line in output.splitlines():
        if "UserWarning: Using backward() with create_graph=True will create a reference cycle" in line:
            current += 1
        elif line.startswith("call "):
            counts.append(current)
            graphs.append(line == "call True")
            current = 0
    assert counts == shown
    assert graphs == [False, True, True]  # the first call warns although its x.grad has no grad_fn


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


# "A dual tensor through the plain backward of group_norm raises NotImplementedError. jvp(grad(f)) handles some such
# formulas, group_norm's among them, but not all: it raises a RuntimeError, as the dual tensor does, for mse_loss with
# its default reduction='mean' (reduction='sum' works, and so does torch.func.hessian on the mean). Double backward
# with create_graph=True works in all these cases."

functional = torch.nn.functional


def dual_through_plain_backward(function, at, direction):
    with fwAD.dual_level():
        dual = fwAD.make_dual(at.clone().requires_grad_(), direction)
        (gradient,) = torch.autograd.grad(function(dual), dual)
        return fwAD.unpack_dual(gradient).tangent


def double_backward(function, at, direction):
    leaf = at.clone().requires_grad_()
    (gradient,) = torch.autograd.grad(function(leaf), leaf, create_graph=True)
    return torch.autograd.grad((gradient * direction).sum(), leaf)[0]


def jvp_of_grad(function, at, direction):
    return torch.func.jvp(torch.func.grad(function), (at,), (direction,))[1]


def test_jvp_of_grad_goes_through_group_norm_where_a_dual_tensor_through_a_plain_backward_raises():
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(2, 4, 5, generator=generator, dtype=torch.float64)
    direction = torch.randn(2, 4, 5, generator=generator, dtype=torch.float64)

    def group_norm(t):
        return functional.group_norm(t, 2).pow(3).sum()

    # Forward mode alone goes through group_norm; it is the backward formula that has no forward-mode formula.
    with fwAD.dual_level():
        assert fwAD.unpack_dual(group_norm(fwAD.make_dual(images, direction))).tangent is not None
    with pytest.raises(NotImplementedError, match="native_group_norm_backward"):
        dual_through_plain_backward(group_norm, images, direction)
    assert torch.allclose(jvp_of_grad(group_norm, images, direction), double_backward(group_norm, images, direction))


_generator = torch.Generator().manual_seed(0)
MSE_X = torch.randn(8, 3, generator=_generator, dtype=torch.float64)
MSE_Y = torch.randn(8, generator=_generator, dtype=torch.float64)
MSE_CASES = {  # (function of reduction, point, direction)
    "X @ w against y": (
        lambda reduction: lambda w: functional.mse_loss(MSE_X @ w, MSE_Y, reduction=reduction),
        torch.randn(3, generator=_generator, dtype=torch.float64),
        torch.randn(3, generator=_generator, dtype=torch.float64),
    ),
    "t against zeros": (
        lambda reduction: lambda t: functional.mse_loss(t, torch.zeros_like(t), reduction=reduction),
        torch.randn(2, 4, 5, generator=_generator, dtype=torch.float64),
        torch.randn(2, 4, 5, generator=_generator, dtype=torch.float64),
    ),
}


@pytest.mark.parametrize("case", MSE_CASES)
def test_forward_over_reverse_raises_for_mse_loss_only_with_its_default_mean_reduction(case):
    make, at, direction = MSE_CASES[case]
    mean = make("mean")
    expected = double_backward(mean, at, direction)  # double backward works
    for route in (jvp_of_grad, dual_through_plain_backward):
        with pytest.raises(RuntimeError, match="ZeroTensors are immutable"):
            route(mean, at, direction)
    for function in (make("sum"), lambda t: make("none")(t).mean()):
        for route in (jvp_of_grad, dual_through_plain_backward, double_backward):
            assert torch.allclose(route(function, at, direction), double_backward(function, at, direction))
    # torch.func.hessian (jacfwd over jacrev) works on the mean loss itself.
    hessian = torch.func.hessian(mean)(at).reshape(at.numel(), at.numel())
    assert torch.allclose(hessian @ direction.flatten(), expected.flatten())
    # The sum is the mean times the number of terms, and so is its Hessian-vector product.
    assert torch.allclose(jvp_of_grad(make("sum"), at, direction), expected * make("none")(at).numel())


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
    command = [str(python), *options] if code is None else [str(python), *options, "-c", code]
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True)
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


def test_forward_over_reverse_goes_through_mse_loss_when_its_target_is_not_a_constant():
    # The page's condition: jvp(grad(f)) fails on mse_loss with reduction='mean' against a constant target.
    import torch.nn.functional as F
    from torch.func import grad, hessian, jvp

    z = torch.tensor([0.3, -1.2, 0.8], dtype=torch.float64)
    v = torch.tensor([1.0, 0.5, -2.0], dtype=torch.float64)
    for f in (lambda t: F.mse_loss(t, t.exp()), lambda t: F.mse_loss(t.sin(), t.cos())):
        _, hvp = jvp(grad(f), (z,), (v,))
        assert torch.allclose(hvp, hessian(f)(z) @ v)
    target = torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64)
    with pytest.raises(RuntimeError):
        jvp(grad(lambda t: F.mse_loss(t, target)), (z,), (v,))
