"""Claims of docs/*/exercises.md that its printed outputs do not show, and its figure."""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import autograd_graph as graph_size
import branches
import chain_rule
import jacobian_modes
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "snippets" / "exercises"


# Forward mode's first use in a process loads torch's own rules, which warn about torch.jit (torch 2.13).
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONTROL_FLOW = load_module(ROOT / "snippets" / "control_flow" / "control_flow.py", "control_flow")


def float64_points(count=400, low=-6.0, high=6.0, seed=0):
    """Random points away from 0, where f(x) = log(x**2) sin(x) + 1/x is defined."""
    gen = torch.Generator().manual_seed(seed)
    xs = torch.empty(count, dtype=torch.float64).uniform_(low, high, generator=gen)
    return xs[xs.abs() > 0.05]


def lesson_control_flow(a):
    """The control-flow function of the lesson (exercise 3), as shown on the page."""
    return CONTROL_FLOW.f(a)


# --- the two pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_exercise_is_a_question_box_with_a_folded_answer(lang):
    text = (ROOT / "docs" / lang / "exercises.md").read_text(encoding="utf-8")
    label, answer = ("练习", "答案") if lang == "zh" else ("Exercise", "Answer")
    questions = re.findall(rf'^!!! question "{label} (\d+)[：:] ?\S.*"$', text, re.M)
    assert questions == [str(n) for n in range(1, 10)]
    assert len(re.findall(rf'^\?\?\? success "{answer}"$', text, re.M)) == 9
    assert "???+" not in text  # every answer folded
    for figure in [f"cost_derivatives.{lang}", f"dependency_graph.{lang}", f"cost_jacobian_shape.{lang}"]:
        assert f"](figures/{figure}.light.svg#only-light)" in text
        assert f"](figures/{figure}.dark.svg#only-dark)" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_answer_shows_more_than_about_ten_lines_of_its_own_code(lang):
    text = (ROOT / "docs" / lang / "exercises.md").read_text(encoding="utf-8")
    for answer in re.split(r"^\?\?\? success ", text, flags=re.M)[1:]:
        answer = answer.split("\n## ")[0]
        own = [
            line
            for body in re.findall(r"```python\n(.*?)```", answer, re.S)
            for line in body.splitlines()
            if line.strip() and not line.strip().startswith(("--8<--", "import ", "#"))
        ]
        assert len(own) <= 11, answer[:80]


def test_both_pages_show_the_same_code():
    fence = re.compile(r"^( *)```python\n(.*?)^\1```$", re.M | re.S)

    def code(lang):
        text = (ROOT / "docs" / lang / "exercises.md").read_text(encoding="utf-8")
        return [re.sub(r"  # .*", "", body) for _, body in fence.findall(text)]

    assert len(code("zh")) == len(code("en")) == 9
    assert code("zh") == code("en")


def test_the_snippet_regions_the_page_includes_carry_no_comments_or_docstrings():
    # both languages show the same region, so anything it says in words would be English on the zh page
    text = (ROOT / "docs" / "zh" / "exercises.md").read_text(encoding="utf-8")
    includes = re.findall(r'--8<-- "([^":]+):([\w-]+)"', text)
    assert len(includes) == 3
    for path, name in includes:
        source = (ROOT / path).read_text(encoding="utf-8")
        region = source.split(f"# --8<-- [start:{name}]\n")[1].split(f"# --8<-- [end:{name}]")[0]
        assert "#" not in region and '"""' not in region and "'''" not in region, (path, name)


# --- exercise 1: second derivatives ---------------------------------------------------------------


def page_f(x):
    """f as exercise 1 writes it inline."""
    return torch.log(x**2) * torch.sin(x) + torch.reciprocal(x)


def names(nodes):
    return {n.name().removeprefix("torch::autograd::") for n in nodes}


def returning(fn, x0=2.0):
    """The nodes of fn's graph that reappear in the graph of its derivative."""
    x = torch.tensor(x0, requires_grad=True)
    y = fn(x)
    (dy,) = torch.autograd.grad(y, x, create_graph=True)
    return names(graph_size.nodes_behind(y) & graph_size.nodes_behind(dy)), y, dy


@pytest.mark.parametrize("x0", [0.3, 2.0, -1.7])
def test_create_graph_grows_the_graph_at_every_order(x0):
    x = torch.tensor(x0, requires_grad=True)
    y = page_f(x)
    (dy,) = torch.autograd.grad(y, x, create_graph=True)
    (d2y,) = torch.autograd.grad(dy, x, create_graph=True)
    assert [graph_size.count_nodes(t) for t in (y, dy, d2y)] == [7, 17, 46]
    assert graph_size.count_nodes(chain_rule.f(x)) == 7  # the same graph as the snippet's f


# A forward node reappears in a derivative's graph when some derivative formula uses the tensor that
# node produced (for the leaf, AccumulateGrad stands for x itself), and with it every node it leads to.
RETURNING = [
    ("the page's f", page_f, {"LogBackward0", "SinBackward0", "PowBackward0", "ReciprocalBackward0", "AccumulateGrad"}),
    (
        "the product made a sum",
        lambda x: (torch.log(x**2) + torch.sin(x)) + torch.reciprocal(x),
        {"PowBackward0", "ReciprocalBackward0", "AccumulateGrad"},
    ),
    ("sin alone", torch.sin, {"AccumulateGrad"}),
    ("exp: its formula uses its own result, which leads to x", torch.exp, {"ExpBackward0", "AccumulateGrad"}),
    ("a times a constant: the formula uses only the constant", lambda x: x * 3.0, set()),
]


@pytest.mark.parametrize("case, fn, expected", RETURNING, ids=[c[0] for c in RETURNING])
def test_a_forward_node_returns_in_the_derivative_graph_when_a_formula_uses_its_output(case, fn, expected):
    shared, _, _ = returning(fn)
    assert shared == expected


def test_a_graph_whose_derivative_is_constant_gives_a_derivative_with_no_graph_at_all():
    x = torch.arange(4.0, requires_grad=True)
    (dy,) = torch.autograd.grad(x.sum(), x, create_graph=True)
    assert dy.grad_fn is None and not dy.requires_grad


def test_count_nodes_is_zero_for_a_tensor_without_a_grad_fn_a_leaf_or_a_constant():
    leaf = torch.ones(2, requires_grad=True)
    assert graph_size.count_nodes(leaf) == 0 and graph_size.count_nodes(torch.ones(2)) == 0
    assert graph_size.count_nodes(leaf * 2) == 2  # MulBackward0 and the leaf's AccumulateGrad


def test_count_nodes_counts_a_shared_node_once():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)  # DotBackward0 reaches the same AccumulateGrad twice
    assert graph_size.count_nodes(y) == 3


def test_the_second_derivative_is_right():
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    (dy,) = torch.autograd.grad(chain_rule.f(x), x, create_graph=True)
    (d2y,) = torch.autograd.grad(dy, x)
    h = 1e-5
    x0 = torch.tensor(2.0, dtype=torch.float64)
    central = (chain_rule.df_dx(x0 + h) - chain_rule.df_dx(x0 - h)) / (2 * h)
    assert math.isclose(d2y.item(), central.item(), rel_tol=1e-7)


def test_without_create_graph_the_derivative_cannot_be_differentiated_again():
    x = torch.tensor(2.0, requires_grad=True)
    (dy,) = torch.autograd.grad(chain_rule.f(x), x)
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.autograd.grad(dy, x)


def test_a_hessian_vector_product_is_one_walk_and_a_hessian_n_walks():
    def loss_fn(w):
        return torch.log(1 + (w**2).sum()) * torch.sin(w).sum()

    w = torch.randn(7, generator=torch.Generator().manual_seed(1), requires_grad=True)
    v = torch.randn(7, generator=torch.Generator().manual_seed(2))
    H = torch.autograd.functional.hessian(loss_fn, w)
    (g,) = torch.autograd.grad(loss_fn(w), w, create_graph=True)
    (hvp,) = torch.autograd.grad(g, w, grad_outputs=v, retain_graph=True)
    torch.testing.assert_close(hvp, H @ v)
    rows = [torch.autograd.grad(g, w, grad_outputs=e, retain_graph=True)[0] for e in torch.eye(7)]
    torch.testing.assert_close(torch.stack(rows), H)


# --- what the cost figures show (the colleague's measurements, read loosely) ----------------------


def cost_rows(name):
    cost_data = load_module(ROOT / "snippets" / "cost" / "cost_data.py", "cost_data")
    return cost_data.read_measurements(name)[1]


def values(rows, **where):
    chosen = [r for r in rows if all(r[k] == v for k, v in where.items())]
    return {int(r["size"] if "size" in r else r["inputs"]): float(r["value"]) for r in chosen}


def test_second_derivative_costs_a_few_times_the_first_at_every_size():
    rows = cost_rows("cost_derivatives.csv")
    first = values(rows, experiment="elementwise", method="first_derivative")
    second = values(rows, experiment="elementwise", method="second_derivative")
    ratios = [second[n] / first[n] for n in sorted(first)]
    assert len(ratios) >= 3
    assert all(1.5 < r < 6 for r in ratios)  # "a few times"
    assert max(ratios) / min(ratios) < 2  # the lines run roughly parallel


def test_second_derivative_takes_about_2_5_to_3_times_the_first_at_every_size_as_exercise_1_says():
    rows = cost_rows("cost_derivatives.csv")
    first = values(rows, experiment="elementwise", method="first_derivative")
    second = values(rows, experiment="elementwise", method="second_derivative")
    assert sorted(first) == [10**2, 10**3, 10**4, 10**5, 10**6]  # "on 100 to 10^6 elements"
    assert all(2.3 <= second[n] / first[n] <= 3.2 for n in first)


def test_a_hessian_vector_product_takes_about_twice_a_gradient_at_every_n_as_exercise_1_says():
    rows = cost_rows("cost_derivatives.csv")
    grad = values(rows, experiment="hessian", method="gradient")
    hvp = values(rows, experiment="hessian", method="hessian_vector_product")
    assert all(1.7 <= hvp[n] / grad[n] <= 2.6 for n in grad)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_exercise_1_names_the_function_the_figure_times_and_calls_what_it_shows_times(lang):
    import inspect

    measure = load_module(ROOT / "snippets" / "cost" / "measure_cost.py", "measure_cost")
    assert "torch.sin(x) * torch.exp(x)" in inspect.getsource(measure.elementwise)
    text = (ROOT / "docs" / lang / "exercises.md").read_text(encoding="utf-8")
    answer = text[text.index("{ #second-derivative-cost }") : text.index("{ #backward-again }")]
    assert "$\\sin x\\cdot e^x$" in answer and "sin(x)·exp(x)" in answer  # in the prose and in the alt text
    assert ("median times" if lang == "en" else "耗时中位数") in answer
    assert "shows the ratios" not in answer


def test_the_cost_figure_draws_times_only_and_is_at_most_1000_pixels_wide(tmp_path):
    from course.steps.figures import run_script

    script = ROOT / "snippets" / "cost" / "fig_cost_derivatives.py"
    assert "graph_nodes" not in script.read_text(encoding="utf-8").split("def draw")[1]
    run_script(script, tmp_path / "out")
    svgs = sorted((tmp_path / "out").glob("*.svg"))
    assert len(svgs) == 4
    for svg in svgs:
        text = svg.read_text(encoding="utf-8")
        width = float(re.search(r'<svg[^>]* width="([0-9.]+)pt"', text).group(1))
        assert width * 4 / 3 <= 1000, svg.name  # 96 CSS pixels per 72 points
        assert "nodes" not in text and "节点" not in text


def test_hvp_is_a_constant_multiple_of_a_gradient_and_the_hessian_grows_fastest():
    rows = cost_rows("cost_derivatives.csv")
    grad = values(rows, experiment="hessian", method="gradient")
    hvp = values(rows, experiment="hessian", method="hessian_vector_product")
    full = values(rows, experiment="hessian", method="hessian_by_rows")
    sizes = sorted(grad)
    ratios = [hvp[n] / grad[n] for n in sizes]
    assert all(1 < r < 5 for r in ratios)
    assert max(ratios) / min(ratios) < 2.5
    full_ratio = [full[n] / grad[n] for n in sizes]
    assert full_ratio[-1] > 10 * full_ratio[0]
    growth = {
        name: series[sizes[-1]] / series[sizes[0]]
        for name, series in {"gradient": grad, "hvp": hvp, "hessian": full}.items()
    }
    assert growth["hessian"] > max(growth["gradient"], growth["hvp"])


def test_jacfwd_wins_on_tall_and_jacrev_on_wide_once_the_long_side_grows():
    rows = cost_rows("cost_jacobian_shape.csv")

    def ratio(shape, slow, fast):
        times = {}
        for r in rows:
            if r["shape"] == shape:
                long_side = max(int(r["inputs"]), int(r["outputs"]))
                times.setdefault(long_side, {})[r["method"]] = float(r["median_seconds"])
        return [times[n][slow] / times[n][fast] for n in sorted(times)]

    for shape, slow, fast in [("tall", "jacrev", "jacfwd"), ("wide", "jacfwd", "jacrev")]:
        r = ratio(shape, slow, fast)
        assert 0.5 < r[0] < 2, shape  # small: about the same
        assert r[-1] > 10, shape  # large: the right mode wins by far
        assert r[-1] == max(r), shape


# --- exercise 2: backward again -------------------------------------------------------------------
# Rule on the page: a second backward() raises when it needs a tensor the first walk freed; a graph
# that saved nothing can be walked again; each walk adds into .grad on every leaf that requires grad
# and that it reaches (with inputs=, only on those listed).

SECOND_WALK = [
    ("x.sum()", lambda x: x.sum(), True),
    ("(x + 1).sum()", lambda x: (x + 1).sum(), True),
    ("x.mean()", lambda x: x.mean(), True),
    ("x plus a constant leaf", lambda x: (x + torch.ones(4)).sum(), True),
    ("2 * x.sum(): the 2 is saved", lambda x: 2 * x.sum(), False),
    ("2 * torch.dot(x, x)", lambda x: 2 * torch.dot(x, x), False),
    ("(x * x).mean()", lambda x: (x * x).mean(), False),
    ("x times a constant leaf: the constant is saved", lambda x: (x * torch.ones(4)).sum(), False),
]


@pytest.mark.parametrize("case, fn, walks_again", SECOND_WALK, ids=[c[0] for c in SECOND_WALK])
def test_a_second_backward_raises_exactly_when_a_saved_tensor_was_freed(case, fn, walks_again):
    x = torch.arange(4.0, requires_grad=True)
    y = fn(x)
    y.backward()
    first = x.grad.clone()
    if walks_again:
        y.backward()
        assert torch.equal(x.grad, 2 * first)  # the second walk adds into .grad
    else:
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
        assert torch.equal(x.grad, first)


def test_mul_backward0_saves_the_2_and_the_second_walk_of_2_dot_x_x_fails_at_that_first_node():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    mul, dot = y.grad_fn, y.grad_fn.next_functions[0][0]
    assert (mul.name(), dot.name()) == ("MulBackward0", "DotBackward0")
    assert mul._saved_other.item() == 2 and dot._saved_self is x  # the factor 2, and x itself
    reached = []
    mul.register_prehook(lambda grads: reached.append("mul"))
    dot.register_prehook(lambda grads: reached.append("dot"))
    y.backward()
    assert reached == ["mul", "dot"]
    for node, name in ((mul, "_saved_other"), (dot, "_saved_self")):  # both nodes dropped what they saved
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            getattr(node, name)
    reached.clear()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    assert reached == ["mul"]  # raised at the first node; DotBackward0 was never reached
    assert torch.equal(x, torch.arange(4.0))  # x lives on


def test_a_second_backward_through_a_graph_that_saved_nothing_accumulates():
    x = torch.arange(4.0, requires_grad=True)
    y = x.sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0, 2.0]


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
@pytest.mark.parametrize("keep", [{"retain_graph": True}, {"create_graph": True}])
def test_retain_graph_or_create_graph_keeps_the_saved_tensors_and_the_second_walk_adds(keep):
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward(**keep)
    y.backward()
    assert torch.equal(x.grad.detach(), 8 * x.detach())


def test_rebuilding_the_graph_also_accumulates():
    x = torch.arange(4.0, requires_grad=True)
    for times in (1, 2, 3):
        y = 2 * torch.dot(x, x)
        y.backward()
        assert torch.equal(x.grad, 4 * times * x)


def test_a_result_computed_under_no_grad_has_no_graph_to_walk_even_once():
    x = torch.arange(4.0, requires_grad=True)
    for mode in (torch.no_grad, torch.inference_mode):
        with mode():
            y = x.sum()
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.backward()


@pytest.mark.parametrize("keep", [{}, {"retain_graph": True}])
def test_backward_drops_the_saved_references_the_leaf_lives_on_and_an_unheld_intermediate_is_freed(keep):
    import gc
    import weakref

    class Box:
        """What a node keeps for one saved tensor, so that we can see when the node drops it."""

        def __init__(self, tensor):
            self.tensor = tensor

    boxes, saved = [], []

    def pack(tensor):
        box = Box(tensor)
        boxes.append(weakref.ref(box))
        saved.append(weakref.ref(tensor))
        return box

    x = torch.arange(4.0, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda box: box.tensor):
        y = 2 * torch.dot(x, x)  # DotBackward0 saves x, twice
        z = torch.sin(x * 3).sum()  # SinBackward0 saves x * 3, which nothing else holds
    assert [t() is x for t in saved] == [True, True, False]
    y.backward(**keep)
    z.backward(**keep)
    gc.collect()
    assert [b() is not None for b in boxes] == [bool(keep)] * 3  # by default every node dropped them
    assert [t() is not None for t in saved] == [True, True, bool(keep)]  # x lives on; x * 3 was freed
    assert torch.equal(x, torch.arange(4.0))


def test_each_backward_adds_into_grad_on_every_leaf_that_requires_grad_and_that_it_reaches():
    w = torch.tensor(2.0, requires_grad=True)
    x = torch.tensor(1.0, requires_grad=True)
    unused = torch.tensor(5.0, requires_grad=True)
    c = torch.tensor(3.0)  # a constant: requires no grad
    for walk in (1, 2):
        (w * x * c).backward()
        assert (w.grad.item(), x.grad.item()) == (3.0 * walk, 6.0 * walk)  # added, not overwritten
    assert c.grad is None and unused.grad is None
    (w * x * c).backward(inputs=[w])  # with inputs=, only those listed
    assert (w.grad.item(), x.grad.item()) == (9.0, 12.0)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_with_create_graph_too_backward_adds_into_grad():
    x = torch.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    (x**3).backward(create_graph=True)
    assert x.grad.item() == 24.0 and x.grad.requires_grad


# --- exercise 3: control flow with a vector or matrix ---------------------------------------------


@pytest.mark.parametrize("shape", [(3,), (2, 3), (4, 5)])
@pytest.mark.parametrize("seed", range(6))
def test_the_control_flow_jacobian_is_k_times_identity(shape, seed):
    a = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
    J = torch.autograd.functional.jacobian(lesson_control_flow, a).reshape(a.numel(), a.numel())
    k = CONTROL_FLOW.slope(a)
    assert k in {2.0**m for m in range(40)} | {100 * 2.0**m for m in range(40)}
    assert torch.equal(J, k * torch.eye(a.numel()))
    v = torch.randn(shape, generator=torch.Generator().manual_seed(100 + seed))
    a1 = a.clone().requires_grad_()
    lesson_control_flow(a1).backward(v)
    a2 = a.clone().requires_grad_()
    (v * lesson_control_flow(a2)).sum().backward()
    torch.testing.assert_close(a1.grad, k * v)
    torch.testing.assert_close(a1.grad, a2.grad)


def test_d_over_a_rounds_once_more_and_misses_the_exact_gradient_by_at_most_one_ulp():
    a = torch.randn(2, 3, generator=torch.Generator().manual_seed(3), requires_grad=True)
    d = lesson_control_flow(a)
    d.backward(torch.ones_like(d))
    assert a.grad[0, 0].item() == 100 * 2**10
    assert d.sum() < 0
    quotient = (d / a).detach()
    differ = a.grad != quotient
    assert differ.sum() == 1
    gap = (a.grad[differ] - quotient[differ]).abs()
    ulp = (torch.nextafter(a.grad[differ], torch.tensor(math.inf)) - a.grad[differ]).abs()
    assert torch.all(gap <= ulp)


def test_on_the_100b_branch_equality_often_fails_but_allclose_holds():
    failures = trials = 0
    for seed in range(300):
        a = torch.randn(10, generator=torch.Generator().manual_seed(seed), requires_grad=True)
        d = lesson_control_flow(a)
        if d.sum() > 0:
            continue
        d.backward(torch.ones_like(d))
        trials += 1
        failures += not bool((a.grad == d / a).all())
        assert torch.allclose(a.grad * a, d)
    assert trials > 50
    assert failures / trials > 0.3


def test_the_page_s_check_holds_with_a_zero_in_a_where_the_check_against_d_over_a_fails():
    a = torch.tensor([[1.0, -2.0, 0.0], [0.5, 3.0, -4.0]], requires_grad=True)
    d = lesson_control_flow(a)
    d.backward(torch.ones_like(d))
    assert torch.allclose(a.grad * a, d)
    assert not torch.allclose(a.grad, d / a)  # 0 / 0 = nan at the zero


def test_a_zero_input_would_loop_forever():
    b = torch.zeros(5) * 2
    for _ in range(10_000):  # the loop's condition stays true: doubling 0 gives 0
        assert b.norm() < 1000
        b = b * 2


# --- exercise 4: our own control-flow example -----------------------------------------------------


def grad_at(fn, x0, dtype=torch.float64):
    x = torch.tensor(x0, dtype=dtype, requires_grad=True)
    fn(x).backward()
    return x.grad.item()


def value_at(fn, x0):
    return fn(torch.tensor(x0, dtype=torch.float64)).item()


def halvings(x0):
    m = 0
    while abs(x0) >= 1:
        x0, m = x0 / 2, m + 1
    return m


def test_halving_gives_two_to_the_minus_m_inside_each_interval_including_m_zero():
    gen = torch.Generator().manual_seed(0)
    points = torch.empty(300, dtype=torch.float64).uniform_(-100, 100, generator=gen).tolist()
    points += [0.0, -0.0, 0.999, -0.5, 1.0, -1.0, 2.0, 1e-30]  # zeros and interval ends too
    for x0 in points:
        m = halvings(x0)
        slope = grad_at(branches.halve, x0)
        assert slope == 2.0**-m  # exact: dividing by 2 rounds nothing
        inside = abs(x0) < 1 if m == 0 else 2 ** (m - 1) <= abs(x0) < 2**m
        assert inside, x0
        if m == 0 or abs(x0) > 2 ** (m - 1):  # strictly inside: the true derivative
            h = 1e-9
            assert math.isclose(
                (value_at(branches.halve, x0 + h) - value_at(branches.halve, x0 - h)) / (2 * h), slope, rel_tol=1e-4
            )


@pytest.mark.parametrize("power", [0, 1, 3, 5])
def test_at_a_power_of_two_the_halving_function_jumps_and_autograd_still_answers(power):
    x0 = 2.0**power
    assert math.isclose(value_at(branches.halve, x0 - 1e-9), 1.0, rel_tol=1e-6)
    assert value_at(branches.halve, x0) == 0.5
    assert grad_at(branches.halve, x0) == 2.0 ** -(power + 1)


def test_float32_halving_gives_the_same_slopes():
    for x0 in [0.7, 3.0, 12.5, 2.0]:
        assert grad_at(branches.halve, x0, torch.float32) == 2.0 ** -halvings(x0)


def test_at_a_branch_point_autograd_can_match_neither_side():
    assert value_at(branches.g, 1.0) == 1.0
    assert grad_at(branches.g, 1.0) == 5.0
    h = 1e-7
    left = (value_at(branches.g, 1.0) - value_at(branches.g, 1.0 - h)) / h
    right = (value_at(branches.g, 1.0 + h) - value_at(branches.g, 1.0)) / h
    assert math.isclose(left, 2.0, rel_tol=1e-5) and math.isclose(right, 2.0, rel_tol=1e-5)
    assert grad_at(branches.g, 1.0 + 1e-9) == pytest.approx(2.0)


def test_at_a_kink_on_a_fixed_path_the_result_is_not_a_derivative_but_the_documented_rule():
    # the same path runs for every x nearby, but abs and relu are not differentiable at 0: the page's
    # rule asks each operation to be differentiable at the point, and gives the built-ins' own rule
    assert grad_at(torch.relu, 0.0) == 0.0
    assert grad_at(torch.abs, 0.0) == 0.0  # minimum-norm subgradient of |x| at 0


def test_each_built_in_has_its_own_value_at_its_kink():
    assert grad_at(torch.relu, 0.0) == 0.0
    assert grad_at(lambda x: x.clamp(min=0), 0.0) == 1.0  # torch 2.13
    assert grad_at(lambda x: torch.maximum(x, torch.zeros((), dtype=x.dtype)), 0.0) == 0.5


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_kink_values_the_page_names_come_from_its_code_spans_run_as_written(lang):
    # "(`torch.relu(x)` gives 0 at 0, `x.clamp(min=0)` 1 on torch 2.13, `torch.maximum(x, ...)` 0.5)":
    # each span runs as written; the shorthand torch.maximum(x, 0) would not, it takes no Python number.
    text = (ROOT / "docs" / lang / "exercises.md").read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if "`x.clamp(min=0)`" in line and "maximum" in line]
    spans = [span for span in re.findall(r"`([^`]+)`", line) if "(" in span]
    assert spans == ["torch.relu(x)", "x.clamp(min=0)", "torch.maximum(x, torch.tensor(0.0))"]
    for span, expected in zip(spans, (0.0, 1.0, 0.5)):  # 1.0 for clamp on torch 2.13, as the page says
        assert grad_at(eval(f"lambda x: {span}", {"torch": torch}), 0.0) == expected, span
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        torch.maximum(torch.tensor(0.0), 0)


def test_halving_inf_stays_inf_so_the_loop_never_ends():
    x = torch.tensor(float("inf"))
    for _ in range(2_000):  # far more halvings than any finite float32 needs
        assert x.abs() >= 1
        x = x / 2


def test_only_backward_walks_add_into_grad_autograd_grad_walks_do_not():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    torch.autograd.grad((x * x).sum(), x)
    assert x.grad is None
    (x * x).sum().backward()
    torch.autograd.grad((x * x).sum(), x)
    assert torch.equal(x.grad, torch.tensor([2.0, 4.0]))


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_an_output_with_one_element_needs_no_v_whatever_its_shape(shape):
    x = torch.full(shape, 3.0, requires_grad=True)
    (x * x).backward()
    assert torch.equal(x.grad, torch.full(shape, 6.0))


# --- exercise 6: the dependency graph -------------------------------------------------------------


def recorded_edges(x0=2.0):
    x = torch.tensor(x0, requires_grad=True)
    found = chain_rule.intermediates(x)
    name_of = {v.grad_fn: name for name, v in found.items() if v.grad_fn is not None}
    edges = set()
    for name, v in found.items():
        if v.grad_fn is None:
            continue
        for node, _ in v.grad_fn.next_functions:
            edges.add(("x" if hasattr(node, "variable") else name_of[node], name))
    return edges


def test_the_figure_draws_exactly_the_recorded_graph():
    figure = load_module(EXERCISES / "fig_dependency_graph.py", "fig_dependency_graph")
    assert {(start, end) for start, end, _ in figure.EDGES} == recorded_edges()
    assert set(figure.NODES) == set(chain_rule.intermediates(torch.tensor(2.0)))
    labels = " ".join(label for label, _ in figure.NODES.values()) + " ".join(e[2] for e in figure.EDGES)
    assert not re.search(r"[\u4e00-\u9fff]", labels)  # math only; the words are in the per-language title
    assert re.search(r"[\u4e00-\u9fff]", figure.TITLE["zh"]) and not re.search(r"[\u4e00-\u9fff]", figure.TITLE["en"])


def test_the_edge_labels_are_the_local_derivatives():
    """Each label, evaluated at x = 2, equals d(end)/d(start) computed by autograd."""
    figure = load_module(EXERCISES / "fig_dependency_graph.py", "fig_dependency_graph")
    x0 = 2.0
    v = {k: t.item() for k, t in chain_rule.intermediates(torch.tensor(x0, dtype=torch.float64)).items()}
    label_value = {
        "2x": 2 * x0,
        "1/a": 1 / v["a"],
        "cos x": math.cos(x0),
        "−1/x²": -1 / x0**2,
        "c": v["c"],
        "b": v["b"],
        "1": 1.0,
    }
    ops = {"a": lambda s: s**2, "b": torch.log, "c": torch.sin, "d": None, "e": torch.reciprocal, "f": None}
    for start, end, label in figure.EDGES:
        s = torch.tensor(v[start], dtype=torch.float64, requires_grad=True)
        if end == "d":
            out = s * (v["c"] if start == "b" else v["b"])
        elif end == "f":
            out = s + (v["e"] if start == "d" else v["d"])
        else:
            out = ops[end](s)
        out.backward()
        assert math.isclose(s.grad.item(), label_value[label], rel_tol=1e-12), (start, end)
    # the numbers the figure prints are these derivatives and the forward values
    for edge, drawn in figure.local_derivatives(x0).items():
        label = dict(((a, b), name) for a, b, name in figure.EDGES)[edge]
        assert math.isclose(drawn, label_value[label], rel_tol=1e-12), edge
    assert figure.values(x0) == v


def test_each_drawn_edge_label_names_its_partial_derivative_so_it_cannot_be_read_as_a_node_value():
    import matplotlib.pyplot as plt
    from figure_style import apply_theme

    figure = load_module(EXERCISES / "fig_dependency_graph.py", "fig_dependency_graph")
    local = figure.local_derivatives()
    expected = {
        f"∂{end}/∂{start} = {formula}" + ("" if formula == "1" else f" = {figure.number(local[(start, end)])}")
        for start, end, formula in figure.EDGES
    }
    assert "∂d/∂b = c = 0.909" in expected and "∂c/∂x = cos x = −0.416" in expected
    for lang in ("zh", "en"):
        with plt.rc_context():
            fig = figure.draw(apply_theme("light"), lang)
            try:
                (ax,) = fig.axes
                texts = {t.get_text() for t in ax.texts}
                assert expected <= texts
                # The title says which way the arrows point: from x to f, the gradient against them.
                title = ax.get_title()
                assert ("x 指向 f" in title and "逆着箭头" in title) if lang == "zh" else ("from x to f" in title)
            finally:
                plt.close(fig)


# --- exercise 7: the chain rule -------------------------------------------------------------------


def test_the_hand_derived_formula_matches_autograd_on_many_points():
    xs = float64_points().requires_grad_()
    chain_rule.f(xs).sum().backward()
    torch.testing.assert_close(xs.grad, chain_rule.df_dx(xs.detach()), rtol=1e-12, atol=1e-12)
    assert (xs.detach() < 0).sum() > 100  # negative x included: d/dx log(x^2) = 2/x there too


# --- exercise 8: forward and reverse sweeps -------------------------------------------------------


def hand_tangents(x):
    a, b, c = x**2, math.log(x**2), math.sin(x)
    da = 2 * x
    db = da / a
    dc = math.cos(x)
    dd = db * c + b * dc
    de = -1 / x**2
    return {"x": 1.0, "a": da, "b": db, "c": dc, "d": dd, "e": de, "f": dd + de}


def hand_adjoints(x):
    a, b, c = x**2, math.log(x**2), math.sin(x)
    bar_f = 1.0
    bar_e = bar_d = bar_f
    bar_c, bar_b = b * bar_d, c * bar_d
    bar_a = bar_b / a
    bar_x = 2 * x * bar_a + math.cos(x) * bar_c - bar_e / x**2
    return {"f": bar_f, "e": bar_e, "d": bar_d, "c": bar_c, "b": bar_b, "a": bar_a, "x": bar_x}


def test_every_row_of_both_tables_follows_the_rules_on_the_page():
    for x0 in float64_points(count=60, seed=1).tolist():
        forward = chain_rule.tangents(x0)
        backward = chain_rule.adjoints(x0)
        assert list(forward) == ["x", "a", "b", "c", "d", "e", "f"]
        for name, expected in hand_tangents(x0).items():
            assert math.isclose(forward[name][1], expected, rel_tol=1e-12, abs_tol=1e-12), (x0, name)
        for name, expected in hand_adjoints(x0).items():
            assert math.isclose(backward[name][1], expected, rel_tol=1e-12, abs_tol=1e-12), (x0, name)
        assert math.isclose(forward["f"][1], backward["x"][1], rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(
            forward["f"][1],
            chain_rule.df_dx(torch.tensor(x0, dtype=torch.float64)).item(),
            rel_tol=1e-12,
            abs_tol=1e-12,
        )
        for name in forward:  # both sweeps see the same values
            assert forward[name][0] == backward[name][0]


def test_the_three_paths_at_two_as_the_page_quotes_them():
    """Exercise 7: at x = 2 the paths give 0.9093, -0.5769 and -0.25, in all 0.0824."""
    x = 2.0
    paths = [2 * x / x**2 * math.sin(x), math.cos(x) * math.log(x**2), -1 / x**2]
    assert [round(p, 4) for p in paths] == [0.9093, -0.5769, -0.25]
    exact = chain_rule.df_dx(torch.tensor(2.0, dtype=torch.float64)).item()
    assert round(sum(paths), 4) == round(exact, 4) == 0.0824
    assert round(chain_rule.adjoints(2.0)["x"][1], 6) == round(chain_rule.tangents(2.0)["f"][1], 6) == 0.082395


# --- exercise 9: which mode -----------------------------------------------------------------------


@pytest.mark.parametrize("n, m", [(2, 30), (30, 2), (5, 5)])
def test_columns_take_n_passes_rows_m_sweeps_and_agree_with_torch_func(n, m):
    W = torch.randn(m, n, generator=torch.Generator().manual_seed(n * m))
    fn = lambda x: torch.sin(W @ x) * x.sum()  # noqa: E731
    x = torch.randn(n, generator=torch.Generator().manual_seed(7))
    J_cols, passes = jacobian_modes.jacobian_by_columns(fn, x)
    J_rows, sweeps = jacobian_modes.jacobian_by_rows(fn, x)
    assert (passes, sweeps) == (n, m)
    torch.testing.assert_close(J_cols, torch.func.jacfwd(fn)(x))
    torch.testing.assert_close(J_rows, torch.func.jacrev(fn)(x))
    torch.testing.assert_close(J_cols, J_rows)


def test_reverse_mode_keeps_what_grows_with_depth_and_forward_mode_keeps_nothing():
    kept = {depth: jacobian_modes.tensors_kept(depth, "reverse") for depth in (5, 50, 100)}
    assert kept == {5: 5, 50: 50, 100: 100}
    assert all(jacobian_modes.tensors_kept(depth, "forward") == 0 for depth in (5, 50, 100))


def test_a_backward_sweep_needs_the_saved_forward_values():
    """Reverse mode must keep the forward results until the sweep: freeing them breaks the sweep."""
    x = torch.linspace(-1, 1, 10, requires_grad=True)
    y = jacobian_modes.deep_chain(x, 5).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
