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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "snippets" / "cost"))

from cost_data import read_measurements, series  # noqa: E402

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
