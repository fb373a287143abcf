"""Claims of docs/sin-derivative.*.md that the page's own outputs do not show, and its figure script."""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets" / "sin_plot"
FIGURE_SCRIPT = SNIPPETS / "fig_sin_derivative.py"
NUMPY_MESSAGE = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."

sys.path.insert(0, str(SNIPPETS))
from sin_derivative import sin_and_derivative  # noqa: E402


@pytest.mark.parametrize("n", [2, 50, 200, 1001])
def test_autograd_derivative_equals_torch_cos_bit_for_bit(n):
    x, y, dydx = sin_and_derivative(n)
    assert x.shape == y.shape == dydx.shape == (n,)
    assert x[0].item() == 0.0 and x[-1].item() == pytest.approx(2 * torch.pi)
    assert torch.equal(dydx, torch.cos(x))
    assert not (x.requires_grad or y.requires_grad or dydx.requires_grad)


def test_float64_derivative_equals_torch_cos_bit_for_bit():
    x = torch.linspace(0, 2 * torch.pi, 333, dtype=torch.float64, requires_grad=True)
    torch.sin(x).sum().backward()
    assert torch.equal(x.grad, torch.cos(x.detach()))


def test_matplotlib_goes_through_np_asarray_which_calls_numpy():
    y = torch.sin(torch.linspace(0, 1, 5, requires_grad=True))
    with pytest.raises(RuntimeError) as err:
        np.asarray(y)
    assert str(err.value) == NUMPY_MESSAGE


def test_detach_and_numpy_share_memory_with_the_leaf():
    x = torch.linspace(0, 1, 4, requires_grad=True)
    x_np = x.detach().numpy()
    assert np.shares_memory(x_np, x.detach().numpy())
    x_np[0] = 5.0
    assert x[0].item() == 5.0
    assert x.detach().clone().data_ptr() != x.data_ptr()


def test_numpy_float64_grid_into_a_float32_linear_layer_fails():
    grid = torch.tensor(np.linspace(0, 2 * np.pi, 200)).reshape(200, 1)
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype"):
        torch.nn.Linear(1, 1)(grid)


def test_from_numpy_shares_memory_and_tensor_copies():
    grid = np.linspace(0, 1, 5)
    assert np.shares_memory(torch.from_numpy(grid).numpy(), grid)
    assert not np.shares_memory(torch.tensor(grid).numpy(), grid)


def test_published_figure_has_the_autograd_curve(site):
    # Determinism and both themes: tests/test_figures.py.
    for theme in ("light", "dark"):
        assert "from autograd" in (site / "figures" / f"sin_derivative.{theme}.svg").read_text(encoding="utf-8")


def test_figure_script_uses_the_functions_the_page_shows():
    source = FIGURE_SCRIPT.read_text(encoding="utf-8")
    assert "from sin_derivative import plot_sin_and_derivative, sin_and_derivative" in source
    for page in ("zh/sin-derivative.md", "en/sin-derivative.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        assert '--8<-- "snippets/sin_plot/sin_derivative.py:derivative"' in text
        assert '--8<-- "snippets/sin_plot/sin_derivative.py:plot"' in text
        assert "figures/sin_derivative.light.svg#only-light" in text
        assert "figures/sin_derivative.dark.svg#only-dark" in text


def test_sin_backward_saves_x_and_multiplies_the_incoming_gradient_by_cos_x():
    gen = torch.Generator().manual_seed(0)
    x = (10 * torch.randn(300, generator=gen)).requires_grad_()
    y = torch.sin(x)
    assert torch.equal(y.grad_fn._saved_self, x)
    upstream = torch.randn(300, generator=gen)
    assert torch.equal(y.grad_fn(upstream), upstream * torch.cos(x.detach()))
