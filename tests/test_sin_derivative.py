"""Claims of docs/<lang>/sin-derivative.md that its outputs do not show, its plotting code run as a learner
runs it, and its figure script."""

import contextlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from other_releases import OTHER_RELEASES, run_on

from course.markdown_blocks import ROOT, chains_of, expand_includes, parse_blocks

SNIPPET = ROOT / "snippets" / "sin_plot" / "sin_derivative.py"
FIGURE_SCRIPT = ROOT / "snippets" / "sin_plot" / "fig_sin_derivative.py"
PAGES = {language: ROOT / "docs" / language / "sin-derivative.md" for language in ("zh", "en")}
NUMPY_MESSAGE = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
INCLUDE = '--8<-- "snippets/sin_plot/sin_derivative.py:plot"'

# What the learner's process reports once the page's code has run (appended by the test, not shown).
REPORT = """
import json as _json, matplotlib as _mpl, matplotlib.pyplot as _plt
_ax = _plt.gcf().axes[0]
print(_json.dumps({"backend": _mpl.get_backend(),
                   "lines": [(l.get_label(), len(l.get_xdata())) for l in _ax.lines]}))
"""


# --- the plotting code, run as a learner runs it -------------------------------------------------


def learner_environment(config_dir: Path) -> dict:
    """The environment of a learner's script on a machine without a display, where nobody chose a backend:
    the tests' own MPLBACKEND=Agg (set by course/pytest_pages.py for the page blocks), DISPLAY and WAYLAND_DISPLAY
    removed, and a fresh matplotlib config folder, so no matplotlibrc of this machine picks the backend."""
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY", "WAYLAND_DISPLAY")}
    env["MPLCONFIGDIR"] = str(config_dir)
    return env


def run_as_learner(code: str, config_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=learner_environment(config_dir),
        cwd=config_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mplconfig")


def plotting_chains(language: str) -> list[list]:
    """The page's chains of blocks that use matplotlib, each cut after its first block that does."""
    chains = []
    for chain in chains_of(parse_blocks(PAGES[language])):
        for n, block in enumerate(chain.blocks):
            if "matplotlib" in expand_includes(block.code):
                chains.append(chain.blocks[: n + 1])
                break
    return chains


@pytest.mark.parametrize("language", PAGES)
def test_the_page_plots_only_through_the_included_snippet_and_one_demonstrated_error(language):
    chains = plotting_chains(language)
    assert [[b.raises for b in chain][-1] for chain in chains] == ["RuntimeError", None]
    assert chains[1][-1].code.strip() == INCLUDE and len(chains[1]) == 1


@pytest.mark.parametrize("language", PAGES)
def test_the_plotting_block_run_as_a_script_without_a_backend_set_exits_0_and_draws_sin_and_x_grad(
    language, config_dir
):
    (block,) = plotting_chains(language)[1]
    code = expand_includes(block.code)
    assert "matplotlib.use" not in code and code.rstrip().endswith("plt.show()")
    result = run_as_learner(code + REPORT, config_dir)
    assert result.returncode == 0, result.stderr
    # Headless, matplotlib falls back to Agg by itself, and plt.show() then returns quietly.
    assert result.stderr == ""
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if sys.platform.startswith("linux"):
        assert report["backend"].lower() == "agg"
    assert report["lines"] == [["sin(x)", 200], ["x.grad", 200]]


@pytest.mark.parametrize("language", PAGES)
def test_plt_plot_of_tensors_that_require_grad_fails_in_a_learners_script_with_the_numpy_message(language, config_dir):
    chain = plotting_chains(language)[0]
    result = run_as_learner("\n".join(expand_includes(b.code) for b in chain), config_dir)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"RuntimeError: {NUMPY_MESSAGE}"
    assert "plt.plot(x, y)" in chain[-1].code


def test_matplotlib_goes_through_np_asarray_which_calls_numpy():
    y = torch.sin(torch.linspace(0, 1, 5, requires_grad=True))
    with pytest.raises(RuntimeError) as err:
        np.asarray(y)
    assert str(err.value) == NUMPY_MESSAGE


# --- x.grad and detach ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [contextlib.nullcontext, torch.no_grad, torch.inference_mode, torch.enable_grad])
@pytest.mark.parametrize("options", [{}, {"retain_graph": True}])
def test_x_grad_requires_no_grad_after_a_plain_backward_into_an_empty_x_grad_in_any_grad_mode(mode, options):
    for f in (torch.sin, lambda x: x.sum() + 0 * x, lambda x: 2 * x):  # a graph that saved x, and two that saved none
        x = torch.linspace(0, 1, 4, requires_grad=True)
        y = f(x).sum()
        with mode():
            y.backward(**options)
        assert not x.grad.requires_grad and x.grad.grad_fn is None
        x.grad.numpy()


def test_plotting_the_detached_tensors_and_x_grad_works():
    import matplotlib.pyplot as plt

    x = torch.linspace(0, 2 * torch.pi, 5, requires_grad=True)
    y = torch.sin(x)
    y.sum().backward()
    fig = plt.figure()
    try:
        plt.plot(x.detach(), y.detach())
        plt.plot(x.detach(), x.grad)
        assert len(fig.axes[0].lines) == 2
    finally:
        plt.close(fig)


def test_the_shown_plotting_code_has_no_comments_since_both_languages_show_it():
    import io
    import tokenize

    region = expand_includes(INCLUDE + "\n")
    tokens = tokenize.generate_tokens(io.StringIO(region).readline)
    assert "plt.show()" in region
    assert [t.string for t in tokens if t.type == tokenize.COMMENT] == []


def test_x_grad_requires_grad_after_backward_with_create_graph_and_numpy_refuses_it():
    x = torch.linspace(0, 1, 4, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the reference-cycle notice of create_graph=True
        torch.sin(x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    with pytest.raises(RuntimeError) as err:
        x.grad.numpy()
    assert str(err.value) == NUMPY_MESSAGE
    assert torch.equal(x.grad.detach(), torch.cos(x.detach()))


def test_a_plain_backward_adds_to_a_gradient_left_by_create_graph_which_still_requires_grad_until_reset():
    x = torch.linspace(0, 1, 4, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the reference-cycle notice of create_graph=True
        torch.sin(x).sum().backward(create_graph=True)
    torch.sin(x).sum().backward()
    assert x.grad.requires_grad
    torch.testing.assert_close(x.grad.detach(), 2 * torch.cos(x.detach()))
    x.grad = None
    torch.sin(x).sum().backward()
    assert not x.grad.requires_grad


def test_a_gradient_filled_only_by_plain_backward_calls_requires_no_grad():
    x = torch.linspace(0, 1, 4, requires_grad=True)
    for _ in range(3):
        torch.sin(x).sum().backward()
        assert not x.grad.requires_grad
    torch.testing.assert_close(x.grad, 3 * torch.cos(x.detach()))


def test_a_plain_backward_adds_into_x_grad_so_a_gradient_there_that_requires_grad_keeps_requiring_it():
    x = torch.linspace(0, 1, 4, requires_grad=True)
    x.grad = torch.ones(4, requires_grad=True)  # any gradient that requires grad, not only create_graph's
    torch.sin(x).sum().backward()
    assert x.grad.requires_grad
    torch.testing.assert_close(x.grad.detach(), 1 + torch.cos(x.detach()))


def test_plain_numpy_refuses_a_tensor_that_requires_grad_and_force_true_detaches_for_you():
    x = torch.linspace(0, 1, 3, requires_grad=True)
    y = torch.sin(x)
    for t in (x, y):
        with pytest.raises(RuntimeError) as err:
            t.numpy()
        assert str(err.value) == NUMPY_MESSAGE
        assert np.array_equal(t.numpy(force=True), t.detach().numpy())
    # plt.plot goes through np.asarray, which calls the plain numpy(): force=True does not help it.
    with pytest.raises(RuntimeError):
        np.asarray(y)


FORCE = """
import torch
x = torch.linspace(0, 1, 3, requires_grad=True)
try:
    print(x.numpy(force=True).tolist())
except TypeError as err:
    print(type(err).__name__)
"""


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_numpy_force_true_works_on_the_other_recorded_releases_except_1_12_which_lacks_force(release):
    out = run_on(release, FORCE).strip()
    assert out == ("TypeError" if release == "1.12.0" else "[0.0, 0.5, 1.0]")


def test_column_i_of_j_holds_only_cos_x_i_which_on_the_pages_grid_is_never_zero():
    x = torch.linspace(0, 2 * torch.pi, 200)
    jac = torch.autograd.functional.jacobian(torch.sin, x)
    assert torch.equal(jac, torch.diag(torch.cos(x)))  # everything off the diagonal is exactly 0
    assert torch.cos(x).abs().min() > 0.007  # so on this grid each column holds exactly one nonzero number
    assert ((jac != 0).sum(dim=0) == 1).all()


# --- the derivative ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n", [2, 50, 200, 1001])
def test_the_gradient_of_the_sum_equals_torch_cos_exactly(n, dtype):
    x = torch.linspace(0, 2 * torch.pi, n, dtype=dtype, requires_grad=True)
    torch.sin(x).sum().backward()
    assert torch.equal(x.grad, torch.cos(x.detach()))


def test_the_gradient_equals_torch_cos_exactly_with_the_default_cpu_kernels_too():
    code = (
        "import torch; x = torch.linspace(0, 2 * torch.pi, 1001, requires_grad=True); "
        "torch.sin(x).sum().backward(); print(torch.equal(x.grad, torch.cos(x.detach())))"
    )
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", result.stderr


def test_ones_like_weights_give_the_same_gradient_as_the_sum():
    a = torch.linspace(0, 2 * torch.pi, 200, requires_grad=True)
    torch.sin(a).sum().backward()
    b = torch.linspace(0, 2 * torch.pi, 200, requires_grad=True)
    y = torch.sin(b)
    y.backward(torch.ones_like(y))
    assert torch.equal(a.grad, b.grad)


def test_sin_backward_multiplies_any_incoming_gradient_by_cos_x():
    gen = torch.Generator().manual_seed(0)
    x = (10 * torch.randn(300, generator=gen)).requires_grad_()
    y = torch.sin(x)
    upstream = torch.randn(300, generator=gen)
    assert torch.equal(y.grad_fn(upstream), upstream * torch.cos(x.detach()))


def jacobian_and_gradient_of_the_sum(f, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = x.clone().requires_grad_()
    f(x).sum().backward()
    return torch.autograd.functional.jacobian(f, x.detach()), x.grad


def test_the_sum_gives_each_derivative_when_each_input_feeds_one_output_though_j_is_not_diagonal():
    jac, grad = jacobian_and_gradient_of_the_sum(lambda x: x[:2] * x[2:], torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert torch.equal(jac, torch.tensor([[3.0, 0.0, 1.0, 0.0], [0.0, 4.0, 0.0, 2.0]]))
    assert ((jac != 0).sum(dim=0) == 1).all()
    # Each column's one nonzero number is the gradient of the sum.
    assert torch.equal(grad, jac.sum(dim=0)) and torch.equal(grad, torch.tensor([3.0, 4.0, 1.0, 2.0]))


def test_the_sum_adds_derivatives_when_one_input_feeds_several_outputs_though_each_output_has_one_input():
    a = torch.tensor([0.5])
    jac, grad = jacobian_and_gradient_of_the_sum(lambda a: torch.cat([torch.sin(a), torch.cos(a)]), a)
    assert jac.shape == (2, 1) and ((jac != 0).sum(dim=0) == 2).all()
    torch.testing.assert_close(grad, torch.cos(a) - torch.sin(a))
    assert not torch.isclose(grad, torch.cos(a)).any() and not torch.isclose(grad, -torch.sin(a)).any()


def test_the_gradient_of_the_sum_adds_up_each_column_of_j():
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(4, generator=gen, dtype=torch.float64)
    for f in (
        torch.sin,
        lambda x: x[:2] * x[2:],
        lambda x: torch.cumsum(torch.sin(x), dim=0),
        lambda x: torch.stack([x[0] * x[1], x[0].exp()]),
        lambda x: 0 * x[:1],
    ):
        jac, grad = jacobian_and_gradient_of_the_sum(f, x)
        torch.testing.assert_close(grad, jac.sum(dim=0))


def test_the_gradient_of_a_running_sum_adds_each_inputs_derivatives():
    gen = torch.Generator().manual_seed(1)
    u = torch.randn(200, generator=gen, dtype=torch.float64).requires_grad_()
    torch.cumsum(torch.sin(u), dim=0).sum().backward()
    counts = torch.arange(200, 0, -1, dtype=torch.float64)
    torch.testing.assert_close(u.grad, counts * torch.cos(u.detach()))


# --- the figure ----------------------------------------------------------------------------------


def test_both_pages_show_the_snippet_and_the_figure_it_draws():
    assert "runpy.run_path(str(SCRIPT)" in FIGURE_SCRIPT.read_text(encoding="utf-8")
    for text in (path.read_text(encoding="utf-8") for path in PAGES.values()):
        assert INCLUDE in text
        assert "figures/sin_derivative.light.svg#only-light" in text
        assert "figures/sin_derivative.dark.svg#only-dark" in text


def test_the_figure_script_draws_both_curves_in_both_themes(tmp_path):
    from course.steps.figures import run_script

    run_script(FIGURE_SCRIPT, tmp_path / "out")
    svgs = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert svgs == ["sin_derivative.dark.svg", "sin_derivative.light.svg"]
    for name in svgs:
        svg = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert ">sin(x)</text>" in svg and ">x.grad</text>" in svg


def test_the_figure_marks_the_three_predicted_slopes_with_autograd_values_and_ticks_multiples_of_pi_over_2():
    import importlib.util

    import matplotlib.pyplot as plt
    from figure_style import apply_theme

    spec = importlib.util.spec_from_file_location("fig_sin_derivative", FIGURE_SCRIPT)
    figure = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figure)
    points, slopes = figure.predicted_slopes()
    assert points == pytest.approx([0.0, np.pi / 2, np.pi])
    assert slopes == pytest.approx([1.0, 0.0, -1.0], abs=1e-6)  # cos 0, cos(π/2), cos π, as "The idea" predicts
    with plt.rc_context():
        fig = figure.draw(apply_theme("light"))
        try:
            (ax,) = fig.axes
            assert [t.get_text() for t in ax.texts] == ["x.grad = 1", "x.grad = 0", "x.grad = −1"]
            ticks = [t.get_text() for t in ax.get_xticklabels()]
            assert ticks == ["0", "π/2", "π", "3π/2", "2π"]
            assert ax.get_xticks() == pytest.approx([0, np.pi / 2, np.pi, 3 * np.pi / 2, 2 * np.pi])
            dots = ax.lines[-1]
            assert list(dots.get_xdata()) == points and list(dots.get_ydata()) == slopes
        finally:
            plt.close(fig)


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_with_grad_mode_off_numpy_and_plt_plot_take_tensors_that_require_grad(mode):
    # The page says "while grad mode is on": with it off, the refusal does not happen.
    import matplotlib.pyplot as plt

    x = torch.linspace(0, 1, 3, requires_grad=True)
    y = torch.sin(x)
    fig = plt.figure()
    try:
        with mode():
            assert x.requires_grad and y.requires_grad
            assert np.array_equal(x.numpy(), x.detach().numpy()) and np.array_equal(y.numpy(), y.detach().numpy())
            plt.plot(x, y)
        assert len(fig.axes[0].lines) == 1
        with pytest.raises(RuntimeError, match="Can't call numpy"):
            x.numpy()
    finally:
        plt.close(fig)


def test_a_gradient_that_create_graph_left_requires_grad_only_when_the_backward_pass_recorded_something():
    # "A gradient that backward(create_graph=True) left may require grad": sin's does, x.sum()'s and 3 * x's do not.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the reference-cycle notice of create_graph=True
        for f, requires in ((torch.sin, True), (lambda x: x, False), (lambda x: 3 * x, False)):
            x = torch.linspace(0, 1, 3, requires_grad=True)
            f(x).sum().backward(create_graph=True)
            assert x.grad.requires_grad == requires == (x.grad.grad_fn is not None)
            if not requires:
                x.grad.numpy()
