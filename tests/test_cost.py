"""The cost measurements (snippets/cost/*.csv) and their figures.

Timings depend on the machine, so only loose ratios and orderings are asserted, never times;
graph node counts are exact, because they do not depend on the machine.
"""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from cost_data import read_measurements, series
from measure_cost import (
    elementwise,
    first_derivative,
    fit,
    graph_nodes,
    hessian_vector_product,
    second_derivative,
)

from course.steps.page_facts import fill_in

ROOT = Path(__file__).resolve().parent.parent
COST = ROOT / "snippets" / "cost"


def value(rows, **where) -> float:
    (found,) = [
        float(r.get("value") or r["median_seconds"]) for r in rows if all(r[k] == str(v) for k, v in where.items())
    ]
    return found


@pytest.mark.parametrize("name", ["cost_derivatives.csv", "cost_jacobian_shape.csv"])
def test_each_csv_records_machine_torch_and_date(name):
    about, rows = read_measurements(name)
    assert about["machine"] and int(about["processors"]) >= 1
    assert about["torch"].startswith("2.")
    datetime.date.fromisoformat(about["date"])
    assert len(rows) >= 20


def test_second_derivative_costs_more_than_the_first():
    _, rows = read_measurements("cost_derivatives.csv")
    sizes, _ = series(rows, "size", "value", experiment="elementwise", method="value")
    largest = int(max(sizes))
    f = value(rows, experiment="elementwise", size=largest, method="value")
    first = value(rows, experiment="elementwise", size=largest, method="first_derivative")
    second = value(rows, experiment="elementwise", size=largest, method="second_derivative")
    assert f < first < second
    assert 1.3 < second / first < 10
    assert first / f > 1.3


def test_few_elements_cost_about_the_same_fixed_overhead():
    """The page: with few elements every line is flat (the cost is the call, not the arithmetic)."""
    _, rows = read_measurements("cost_derivatives.csv")
    for method in ("value", "first_derivative", "second_derivative"):
        small = value(rows, experiment="elementwise", size=100, method=method)
        assert value(rows, experiment="elementwise", size=1000, method=method) < 3 * small


def test_create_graph_grows_the_graph_and_the_csv_counts_are_current():
    _, rows = read_measurements("cost_derivatives.csv")
    without = value(rows, experiment="graph_nodes", method="without_create_graph")
    with_graph = value(rows, experiment="graph_nodes", method="with_create_graph")
    assert with_graph > without
    x = torch.randn(5, requires_grad=True)
    y = elementwise(x).sum()
    assert len(graph_nodes(y)) == without
    (dx,) = torch.autograd.grad(y, x, create_graph=True)
    assert len(graph_nodes(y, dx)) == with_graph
    (plain,) = torch.autograd.grad(elementwise(x).sum(), x)
    assert plain.grad_fn is None and not graph_nodes(plain)  # nothing recorded without create_graph


def test_hessian_costs_many_gradients_and_a_hessian_vector_product_a_few():
    _, rows = read_measurements("cost_derivatives.csv")
    sizes, _ = series(rows, "size", "value", experiment="hessian", method="gradient")
    small, largest = int(min(sizes)), int(max(sizes))

    def ratio(method, n):
        return value(rows, experiment="hessian", size=n, method=method) / value(
            rows, experiment="hessian", size=n, method="gradient"
        )

    assert ratio("hessian_by_rows", largest) > 20
    assert ratio("hessian_vmap", largest) > 20
    for n in sizes:  # gradient and Hessian-vector product: nearly parallel lines
        assert 1 < ratio("hessian_vector_product", int(n)) < 10
    # A gradient's cost hardly depends on n here; the Hessian's grows with n.
    assert ratio("hessian_by_rows", largest) > 5 * ratio("hessian_by_rows", small)


def test_jacfwd_wins_on_tall_and_jacrev_on_wide():
    _, rows = read_measurements("cost_jacobian_shape.csv")
    many = max(int(r["outputs"]) for r in rows)
    tall = {m: value(rows, shape="tall", outputs=many, method=m) for m in ("jacfwd", "jacrev")}
    wide = {m: value(rows, shape="wide", inputs=many, method=m) for m in ("jacfwd", "jacrev")}
    assert tall["jacrev"] > 3 * tall["jacfwd"]
    assert wide["jacfwd"] > 3 * wide["jacrev"]
    few = min(int(r["outputs"]) for r in rows if r["shape"] == "tall")
    for shape, key in (("tall", "outputs"), ("wide", "inputs")):  # small sizes: nearly the same
        fwd, rev = (value(rows, shape=shape, method=m, **{key: few}) for m in ("jacfwd", "jacrev"))
        assert 1 / 3 < fwd / rev < 3


def test_the_measured_functions_compute_the_right_derivatives():
    x = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    assert torch.allclose(first_derivative(x), torch.exp(x) * (torch.sin(x) + torch.cos(x)))
    assert torch.allclose(second_derivative(x), 2 * torch.exp(x) * torch.cos(x))
    generator = torch.Generator().manual_seed(0)
    data = torch.randn(50, 6, generator=generator, dtype=torch.float64)
    w = torch.randn(6, generator=generator, dtype=torch.float64)
    v = torch.randn(6, generator=generator, dtype=torch.float64)
    f = fit(data)
    # Closed form: H = Xᵀ diag(-2 tanh(Xw) (1 - tanh²(Xw))) X.
    t = torch.tanh(data @ w)
    closed = data.T @ torch.diag(-2 * t * (1 - t**2)) @ data
    assert torch.allclose(torch.func.hessian(f)(w), closed)
    assert torch.allclose(hessian_vector_product(f, w, v), closed @ v)


@pytest.mark.parametrize("name", ["cost_derivatives", "cost_jacobian_shape"])
def test_cost_figures_read_data_only(name, site):
    # Determinism and both themes: tests/test_figures.py.
    source = (COST / f"fig_{name}.py").read_text(encoding="utf-8")
    for timing in ("perf_counter", "import time", "import measure_cost", "from measure_cost", "import torch"):
        assert timing not in source
    words = {"en": "median time (s)", "zh": "时间中位数（秒）"}
    for lang, label in words.items():
        svg = (site / "figures" / f"{name}.{lang}.light.svg").read_text(encoding="utf-8")
        assert label in svg
        assert "processors" not in svg and "measured on" not in svg  # the machine is in the pages' caption


@pytest.mark.parametrize("name", ["cost_derivatives", "cost_jacobian_shape"])
def test_cost_figures_fit_1000_pixels_at_their_natural_size(name, tmp_path):
    from course.steps.figures import run_script

    run_script(COST / f"fig_{name}.py", tmp_path)
    svgs = sorted(tmp_path.glob(f"{name}.*.svg"))
    assert len(svgs) == 4
    for svg in svgs:
        width = re.search(r'<svg[^>]* width="([0-9.]+)pt"', svg.read_text(encoding="utf-8"))
        assert float(width.group(1)) * 4 / 3 <= 1000, svg.name  # 1 pt = 4/3 px


def test_the_jacobian_shape_figure_and_its_pages_call_the_shapes_by_the_same_words():
    from fig_cost_jacobian_shape import WORDS

    for lang, tall, wide in [("zh", "高的", "宽的"), ("en", "tall", "wide")]:
        assert WORDS[lang]["tall"][0].startswith(tall) and WORDS[lang]["wide"][0].startswith(wide)
        page = (ROOT / "docs" / lang / "forward-mode.md").read_text(encoding="utf-8")
        assert f"{tall} $J$" in page and f"{wide} $J$" in page  # the table of the two modes
    for page in ("forward-mode.md", "exercises.md"):  # the pages that show the figure
        text = (ROOT / "docs" / "zh" / page).read_text(encoding="utf-8")
        assert "cost_jacobian_shape" in text and "高瘦" not in text and "矮胖" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cost_captions_name_the_torch_machine_and_date_of_the_csvs(lang):
    page = (ROOT / "docs" / lang / "forward-mode.md").read_text(encoding="utf-8")
    captions = [line for line in page.splitlines() if line.startswith("*") and "@@torch_version:" in line]
    # Each caption, under its figure, takes the torch version from that figure's CSV (course/steps/page_facts.py).
    names = ["cost_jacobian_shape.csv", "cost_derivatives.csv"]  # in the order the figures come
    assert len(captions) == len(names)
    for name, caption in zip(names, captions, strict=True):
        about, _ = read_measurements(name)
        assert about["torch threads"] == "1"
        assert f"@@torch_version:snippets/cost/{name}@@" in caption
        assert about["torch"].split("+")[0] in fill_in(caption)
        assert about["machine"] in caption and about["date"] in caption


# ---------------------------------------------------------------------------------------------
# Claims of docs/*/forward-mode.md that its checked outputs do not show.


def test_derivative_formulas_link_back_to_the_forward_graph():
    x = torch.linspace(-2.0, 2.0, 5, dtype=torch.float64, requires_grad=True)
    y = elementwise(x).sum()
    (dx,) = torch.autograd.grad(y, x, create_graph=True)
    shared = {node.name() for node in graph_nodes(dx) & graph_nodes(y)}
    assert {"SinBackward0", "ExpBackward0"} <= shared


def test_a_tangent_is_gone_outside_dual_level():
    import torch.autograd.forward_ad as fwAD

    x = torch.tensor([0.5, 1.0], dtype=torch.float64)
    with fwAD.dual_level():
        dual = torch.sin(fwAD.make_dual(x, torch.ones_like(x)))
        assert fwAD.unpack_dual(dual).tangent is not None
    assert fwAD.unpack_dual(dual).tangent is None


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True, text=True, check=True)
    return result.stderr


def test_backward_with_create_graph_warns_once_per_process():
    stderr = run_python(
        "import torch\n"
        "for _ in range(3):\n"
        "    w = torch.tensor(1.5, requires_grad=True)\n"
        "    (w**3).backward(create_graph=True)\n"
        "    assert w.grad.grad_fn is not None\n"
    )
    assert stderr.count("reference cycle between the parameter and its gradient") == 1
