"""Rules stated on docs/<lang>/control-flow.md, tried on the cases that break rules.

The page says: the gradient of D2L's f is k (J = k I) for scalars, vectors and matrices; the branch
follows the float32 sum, which rounding can change; compare a.grad * a with d (d / a is nan where a
has a 0), and a.grad with k where a has zeros or tiny components, since the product check can miss an
error there (the bound atol / |a_i| + rtol |k| is floating-point.md's); == is not a sound check; any gradient argument of d's shape
works; f(zeros) never returns, one nonzero element is enough; a tiny a overflows k, not d; where two
branches meet, autograd gives the slope of the branch that ran. The figure shows f on linear axes,
its slopes on log axes, and the page's example.
"""

import importlib.util
import math
from pathlib import Path

import torch
from torch.autograd.functional import jacobian

from course.site_facts import site_languages

SNIPPETS = Path(__file__).resolve().parent.parent / "snippets" / "control_flow"


def load(name):
    # As the figure runner runs it, with its own folder and snippets/ on the path (pyproject.toml's pythonpath).
    spec = importlib.util.spec_from_file_location(f"control_flow_{name}", SNIPPETS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


control_flow = load("control_flow")
f = control_flow.f


def k_from_formula(a: torch.Tensor) -> float:
    """k as the page derives it: n = max(1, ceil(log2(1000 / ||a||))), k = 2^n or 100 * 2^n."""
    n = max(1, math.ceil(math.log2(1000 / a.norm().item())))
    return 2.0**n if a.sum().item() > 0 else 100 * 2.0**n


def test_vector_and_matrix_jacobian_is_k_times_identity():
    g = torch.Generator().manual_seed(1)
    branches = set()
    for shape in [(3,), (5,), (2, 3), (4, 4)] * 3:
        a = torch.randn(shape, generator=g, requires_grad=True)
        k = control_flow.slope(a.detach())
        branches.add(k > 0 and math.log2(k).is_integer())
        size = a.numel()
        J = jacobian(f, a).reshape(size, size)
        assert torch.equal(J, k * torch.eye(size))
        # Both ways of seeding the backward pass give k in every component.
        f(a).backward(torch.ones(shape))
        assert torch.equal(a.grad, torch.full(shape, k))
        a.grad = None
        f(a).sum().backward()
        assert torch.equal(a.grad, torch.full(shape, k))
        assert torch.allclose(a.grad, f(a) / a)
    assert branches == {True, False}, "both branches must be exercised"


def test_gradient_is_exactly_k_of_the_formula():
    g = torch.Generator().manual_seed(2)
    values = torch.cat(
        [torch.randn(300, generator=g), torch.linspace(-1.0, -0.05, 200), torch.linspace(0.05, 1.0, 200)]
    )
    for value in values:
        a = value.clone().requires_grad_(True)
        f(a).backward()
        assert a.grad.item() == k_from_formula(a.detach()) == control_flow.slope(a.detach())


def test_jumps_are_at_1000_over_powers_of_two():
    # At |a| = 1000 / 2^n the loop stops with norm exactly 1000; just below it needs one more doubling.
    for n in range(10, 15):
        edge = torch.tensor(1000 / 2**n)
        below = torch.nextafter(edge, torch.tensor(0.0))
        assert control_flow.slope(edge) == 2.0**n
        assert control_flow.slope(below) == 2.0 ** (n + 1)
        assert control_flow.slope(-edge) == 100 * 2.0**n
        assert control_flow.slope(-below) == 100 * 2.0 ** (n + 1)
    assert 1000 / 2**10 == 0.9765625 and 1000 / 2**11 == 0.48828125


def test_equality_with_d_over_a_can_fail_on_the_100_b_branch_although_the_gradient_is_exact():
    g = torch.Generator().manual_seed(15)
    a = torch.randn(size=(), generator=g, requires_grad=True)
    d = f(a)
    d.backward()
    assert round(a.item(), 4) == -0.7056
    assert a.grad.item() == 204800.0 == 100 * 2**11
    assert (d / a).item() == 204799.984375
    assert torch.nextafter(a.grad, torch.tensor(0.0)).item() == 204799.984375
    assert not bool(a.grad == d / a)
    assert torch.allclose(a.grad, d / a)
    torch.testing.assert_close(a.grad, d / a)


def test_positive_branch_division_is_exact():
    g = torch.Generator().manual_seed(3)
    for _ in range(300):
        a = torch.randn(7, generator=g).abs().requires_grad_(True)  # sum > 0: the c = b branch
        d = f(a)
        d.sum().backward()
        assert torch.equal(a.grad, d / a)


def test_100_element_vectors_on_scaled_branch_always_fail_equality():
    g = torch.Generator().manual_seed(0)
    checked = 0
    while checked < 200:
        a = torch.randn(100, generator=g, requires_grad=True)
        d = f(a)
        if d.sum() > 0:
            continue
        checked += 1
        d.backward(torch.ones_like(d))
        assert not bool((a.grad == d / a).all())
        assert torch.allclose(a.grad, d / a)


def test_an_all_zero_input_keeps_the_norm_at_zero_so_the_loop_never_ends():
    # f(torch.zeros(3)) is not run: its loop body never changes anything it tests.
    b = torch.zeros(3) * 2
    for _ in range(10_000):
        assert b.norm() < 1000
        b = b * 2
    assert torch.equal(b, torch.zeros(3))


def test_figure_shows_autograd_derivatives():
    figure = load("fig_piecewise")
    xs, values, slopes = figure.sample()
    assert len(xs) == 2 * figure.POINTS_PER_SIDE and 0.0 not in xs
    for x, value, k in zip(xs, values, slopes):
        assert k == k_from_formula(torch.tensor(x))
        assert math.isclose(value, k * x, rel_tol=1e-6)  # each piece lies on the line k * a through the origin
    # Four jumps on each side within 1000/2^14 <= |a| <= 1.95 (at 1000/2^n for n = 10..13): five pieces each.
    assert len(list(figure.pieces(xs, values, slopes))) == 10


def test_the_figure_holds_the_pages_example_and_labels_every_step_from_1024_and_102400_on():
    figure = load("fig_piecewise")
    a0, d0, k0 = figure.example()
    # The page's scalar block prints these (seed 0): tensor(1.5410), tensor(1577.9800), tensor(1024.).
    assert (round(a0, 4), round(d0, 2), k0) == (1.541, 1577.98, 1024.0)
    assert figure.SMALLEST < a0 < figure.LARGEST < 1000 / 2**9  # inside the widest piece, k = 1024
    xs, values, slopes = figure.sample()
    assert sorted({k for x, k in zip(xs, slopes) if x > 0}) == [2.0**n for n in range(10, 15)]
    assert sorted({k for x, k in zip(xs, slopes) if x < 0}) == [100 * 2.0**n for n in range(10, 15)]
    import matplotlib.pyplot as plt
    from figure_style import apply_theme

    for lang, log_word in (("zh", "对数纵轴"), ("en", "log axis")):
        with plt.rc_context():
            fig = figure.draw(apply_theme("light"), lang)
            texts = [t.get_text() for ax in fig.axes for t in ax.texts]
            (top_neg, top_pos), (bottom_neg, bottom_pos) = fig.axes[:2], fig.axes[2:]
            assert top_neg.get_yscale() == top_pos.get_yscale() == "linear"  # straight pieces look straight
            assert bottom_neg.get_yscale() == bottom_pos.get_yscale() == "log"
            assert log_word in bottom_neg.get_ylabel()
            plt.close(fig)
        labels = {f"{2**n}" for n in range(10, 15)} | {f"{100 * 2**n}" for n in range(10, 15)}
        assert labels <= set(texts)
        assert any("1.541" in t and "1578" in t for t in texts)


def test_the_branch_follows_the_float32_sum_which_rounding_can_make_zero_or_flip():
    # Exact sum 1 > 0, float32 sum 0: the 100 * b branch, k = 100 * 2 (the loop runs zero times).
    a = torch.tensor([1e8, 1.0, -1e8], requires_grad=True)
    assert (a * 2).sum().item() == 0.0
    d = f(a)
    d.backward(torch.ones_like(d))
    assert torch.equal(a.grad, torch.full((3,), 200.0))
    # Exact sum -2 < 0, float32 sum > 0: the c = b branch.
    a = torch.tensor([1e8] + [-1.0] * 10 + [-99999992.0])
    assert 1e8 - 10 - 99999992 == -2 and (a * 2).sum().item() > 0
    assert control_flow.slope(a) == 2.0
    # In exact arithmetic b.sum() = 2^n * sum(a): where rounding does not interfere, its sign is sum(a)'s.
    g = torch.Generator().manual_seed(5)
    for _ in range(200):
        a = torch.randn(5, generator=g, dtype=torch.float64)
        assert (control_flow.slope(a) > 0 and math.log2(control_flow.slope(a)).is_integer()) == (a.sum().item() > 0)


def test_one_nonzero_element_is_enough_for_the_loop_to_stop_even_when_the_norm_of_a_rounds_to_zero():
    for value, dtype in [
        (1e-30, torch.float32),
        (1e-45, torch.float32),
        (5e-324, torch.float64),
        (6e-8, torch.float16),
    ]:
        a = torch.tensor([value, 0.0, 0.0], dtype=dtype)
        assert a[0] != 0
        d = f(a)  # returns
        assert d.norm() >= 1000 and d[0] > 0 and torch.equal(d[1:], torch.zeros(2, dtype=dtype))
    assert torch.tensor([1e-30, 0.0, 0.0]).norm().item() == 0.0  # the square of 1e-30 underflows in float32
    assert torch.tensor([1e-30, 0.0, 0.0]).double().norm().item() > 0
    # nan and inf stop the loop at once: nan < 1000 is False, inf >= 1000.
    for value in (math.nan, math.inf):
        f(torch.tensor([value, 0.0]))


def test_where_a_is_zero_the_product_check_passes_for_any_finite_gradient_so_compare_with_k_there():
    a = torch.tensor([1.0, -2.0, 0.0], requires_grad=True)
    d = f(a)
    d.backward(torch.ones_like(d))
    for wrong in (7.0, -1e30, 0.0):
        forged = a.grad.clone()
        forged[2] = wrong
        assert torch.equal(forged * a.detach(), d.detach()) and torch.allclose(forged * a.detach(), d.detach())
        assert not torch.equal(forged, torch.full_like(a, 51200.0))
    assert torch.equal(a.grad, torch.full_like(a, 51200.0))
    # Not for a gradient that is not finite: inf * 0 is nan.
    forged = a.grad.clone()
    forged[2] = math.inf
    assert not torch.allclose(forged * a.detach(), d.detach())


def test_where_k_times_a_is_below_allclose_s_atol_a_wrong_gradient_of_0_passes_the_product_check_too():
    # allclose's absolute tolerance is 1e-8: a difference of 1e-8 from 0 passes, 2e-8 does not.
    zero = torch.zeros(1, dtype=torch.float64)
    assert torch.allclose(zero, zero + 1e-8) and not torch.allclose(zero, zero + 2e-8)
    a = torch.tensor([1.0, 1e-12, 2.0], requires_grad=True)
    d = f(a)
    d.backward(torch.ones_like(d))
    k = control_flow.slope(a.detach())
    assert torch.equal(a.grad, torch.full_like(a, k)) and abs(k * a[1].item()) < 1e-8
    for wrong in (0.0, 7.0, -7.0, 1000.0):
        forged = a.grad.clone()
        forged[1] = wrong
        assert torch.allclose(forged * a, d)  # the check passes
        assert not torch.equal(forged, torch.full_like(a, k))  # comparing with k does not
    # Not blind: a wrong gradient large enough that |w a| exceeds the tolerance is caught.
    forged = a.grad.clone()
    forged[1] = 1e6
    assert not torch.allclose(forged * a, d)
    # On the page's own example the middle component is not tiny, so a wrong value there is caught.
    a = torch.tensor([1.0, -2.0, 0.0], requires_grad=True)
    d = f(a)
    d.backward(torch.ones_like(d))
    forged = a.grad.clone()
    forged[1] = 7.0
    assert not torch.allclose(forged * a, d)


def test_allclose_lets_a_grad_i_be_off_by_about_atol_over_a_i_plus_rtol_k_on_both_branches():
    # allclose(x, y): |x - y| <= atol + rtol |y|; with x = w a_i, y = k a_i that is
    # |w - k| <= atol / |a_i| + rtol |k|. Just inside passes, just outside fails, far above |k a_i| = atol.
    atol, rtol = 1e-8, 1e-5
    for sign in (1.0, -1.0):  # sum > 0: k = 512; sum < 0: k = 51200 (norm sqrt(5) either way)
        for tiny in (2e-11, 1e-10, 1e-9, 1e-6, 1e-3, -1e-9):
            a = torch.tensor([sign * 1.0, tiny, sign * 2.0], requires_grad=True)
            d = f(a)
            d.backward(torch.ones_like(d))
            k = control_flow.slope(a.detach())
            assert k == (512.0 if sign > 0 else 51200.0) and torch.equal(a.grad, torch.full_like(a, k))
            bound = atol / abs(tiny) + rtol * k
            for factor, passes in ((0.9, True), (-0.9, True), (1.1, False), (-1.1, False)):
                forged = a.grad.clone()
                forged[1] = k + factor * bound
                assert torch.allclose(forged * a, d) == passes, (sign, tiny, factor)
                assert not torch.equal(forged, torch.full_like(a, k))  # comparing with k catches it
    # The reviewer's cases, k = 512: |k a_1| is 1, 5 and 51 times atol, and the wrong value still passes.
    for tiny, wrong, passes in (
        (2e-11, 1000.0, True),
        (2e-11, 12.0, True),
        (1e-10, 420.0, True),
        (1e-10, 0.0, False),
        (1e-9, 520.0, True),
        (1e-9, 523.0, False),
    ):
        a = torch.tensor([1.0, tiny, 2.0])
        assert abs(512 * tiny) > atol
        assert torch.allclose(torch.tensor([512.0, wrong, 512.0]) * a, f(a)) == passes


def test_the_vector_example_has_norm_about_2_685_so_n_is_9_and_its_negative_sum_picks_100_b():
    a = torch.randn(3, generator=torch.Generator().manual_seed(0))
    norm = a.norm().item()
    assert round(norm, 3) == 2.685 and round(2.685 * 2**8) == 687 and round(2.685 * 2**9) == 1375
    assert norm * 2**8 < 1000 <= norm * 2**9 and a.sum().item() < 0
    assert k_from_formula(a) == control_flow.slope(a) == 100 * 2.0**9 == 51200


def test_any_gradient_argument_of_d_s_shape_works_and_ones_give_k_in_every_component():
    import pytest

    for shape in [(3,), (2, 2)]:
        a = torch.randn(shape, generator=torch.Generator().manual_seed(3), requires_grad=True)
        k = control_flow.slope(a.detach())
        weights = torch.arange(1.0, a.numel() + 1).reshape(shape)
        f(a).backward(weights)
        assert torch.equal(a.grad, k * weights)
        a.grad = None
        f(a).backward(torch.ones_like(a))
        ones = a.grad.clone()
        a.grad = None
        f(a).sum().backward()
        assert torch.equal(ones, a.grad) and torch.equal(ones, torch.full(shape, k))
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            f(a).backward(torch.ones(1))


def test_the_loop_can_run_zero_times_so_d_s_graph_can_be_a_single_multiplication():
    a = torch.tensor(600.0, requires_grad=True)
    d = f(a)
    assert d.grad_fn.name() == "MulBackward0"
    assert [type(n).__name__ for n, _ in d.grad_fn.next_functions] == ["AccumulateGrad", "NoneType"]
    d.backward()
    assert a.grad.item() == 2.0


def test_on_the_c_equals_b_branch_nothing_is_rounded_and_on_the_100_b_branch_once():
    g = torch.Generator().manual_seed(6)
    for _ in range(500):
        a = torch.randn(3, generator=g, requires_grad=True)
        d = f(a)
        d.backward(torch.ones_like(d))
        k = control_flow.slope(a.detach())
        exact = a.detach().double() * k  # k * a exactly: float32 times a power of two or 100 * 2^n fits in float64
        if k > 0 and math.log2(k).is_integer():
            assert torch.equal(d.detach().double(), exact)  # multiplying by 2 is exact
        else:
            assert torch.equal(d.detach(), exact.float())  # one rounding of the exact product to float32
        assert torch.equal(a.grad * a.detach(), d.detach())


def test_an_input_with_some_zeros_returns_and_the_gradient_is_k_everywhere_but_d_over_a_is_nan_at_the_zeros():
    for values in ([1.0, -2.0, 0.0], [[0.0, 3.0], [0.0, 0.5]], torch.arange(3.0)):
        a = torch.as_tensor(values).clone().requires_grad_(True)
        d = f(a)
        d.backward(torch.ones_like(d))
        k = control_flow.slope(a.detach())
        assert torch.equal(a.grad, torch.full_like(a, k))
        assert torch.allclose(a.grad * a, d)
        quotient = (d / a).detach()
        assert torch.isnan(quotient[a.detach() == 0]).all()
        assert not torch.allclose(a.grad, d / a)  # why the page compares a.grad * a with d


def test_comparing_a_grad_times_a_with_d_holds_on_both_branches_for_scalars_vectors_and_matrices():
    g = torch.Generator().manual_seed(4)
    branches = set()
    for shape in [(), (3,), (2, 3)] * 20:
        a = torch.randn(shape, generator=g, requires_grad=True)
        d = f(a)
        d.backward(torch.ones_like(d))
        branches.add(bool(d.sum() > 0))
        assert torch.allclose(a.grad * a, d)
    assert branches == {True, False}


def test_a_scalar_input_needs_no_seed_and_a_vector_or_matrix_input_does():
    import pytest

    for shape in [(3,), (2, 3)]:
        a = torch.randn(shape, generator=torch.Generator().manual_seed(0), requires_grad=True)
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            f(a).backward()


def test_where_two_branches_meet_autograd_gives_the_slope_of_the_branch_that_ran():
    def g(x):
        return 5 * x - 4 if x == 1 else x**2

    x = torch.tensor(1.0, requires_grad=True)
    g(x).backward()
    assert x.grad.item() == 5.0
    # The function is x**2 on both sides, so both one-sided derivatives are 2 (nearby points say so).
    for point in (1.0 - 1e-3, 1.0 + 1e-3):
        y = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        g(y).backward()
        assert math.isclose(y.grad.item(), 2 * point)
    # The same on f: at a jump, the k of the branch that ran (the loop stops with norm exactly 1000).
    edge = torch.tensor(1000 / 2**10, requires_grad=True)
    f(edge).backward()
    assert edge.grad.item() == 2.0**10 != control_flow.slope(torch.nextafter(edge.detach(), torch.tensor(0.0)))


def test_under_no_grad_f_still_runs_but_records_nothing():
    a = torch.tensor(1.5, requires_grad=True)
    with torch.no_grad():
        d = f(a)
    assert not d.requires_grad and d.grad_fn is None
    with torch.inference_mode():
        assert not f(a).requires_grad


def test_a_constant_input_gives_a_constant_output():
    d = f(torch.tensor([1.0, 2.0]))  # requires_grad=False: nothing recorded
    assert not d.requires_grad and d.grad_fn is None


def test_exercise_answers_by_hand():
    a = torch.tensor(3.0, requires_grad=True)
    f(a).backward()
    assert a.grad.item() == 2.0**9 == 512.0 and 6 * 128 < 1000 <= 6 * 256
    a = torch.ones(2, 2, requires_grad=True)
    f(a).sum().backward()
    assert a.grad.shape == (2, 2) and torch.equal(a.grad, torch.full((2, 2), 512.0))
    a = torch.tensor([1.0, -2.0, 0.0], requires_grad=True)
    f(a).backward(torch.ones(3))
    assert torch.equal(a.grad, torch.full((3,), 51200.0)) and 2**9 * math.sqrt(5) >= 1000 > 2**8 * math.sqrt(5)


def test_figure_is_drawn_per_language_without_the_words_of_the_other_language():
    figure = load("fig_piecewise")
    assert set(figure.WORDS) == set(site_languages())
    for text in figure.WORDS["zh"].values():
        assert "$" not in text  # mathtext has no Chinese glyphs
    for text in figure.WORDS["en"].values():
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_one_element_vector_or_matrix_output_needs_no_seed():
    for shape in [(1,), (1, 1)]:
        a = torch.full(shape, 3.0, requires_grad=True)
        f(a).backward()
        assert torch.equal(a.grad, torch.full(shape, 512.0))


def test_d_s_graph_is_only_multiplications_the_norm_and_sum_of_the_conditions_lead_nowhere():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    d = f(a)
    seen, stack = set(), [d.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(n for n, _ in node.next_functions)
    assert {type(n).__name__ for n in seen} == {"MulBackward0", "AccumulateGrad"}
    assert (a * 2).norm().grad_fn is not None  # the norm in the condition is recorded, off d's path


def test_a_grad_times_a_equals_d_bit_for_bit_while_a_grad_equals_d_over_a_can_fail():
    g = torch.Generator().manual_seed(1)
    div_failures = 0
    for _ in range(300):
        a = torch.randn(3, generator=g, requires_grad=True)
        d = f(a)
        d.backward(torch.ones_like(d))
        assert torch.equal(a.grad * a, d)  # the same product k * a, rounded once
        div_failures += not torch.equal(a.grad, d / a)
    assert div_failures > 0


def test_a_tiny_input_makes_k_too_large_for_float32_and_the_gradient_inf():
    a = torch.tensor(1e-37, requires_grad=True)
    d = f(a)
    d.backward()
    assert math.isfinite(d.item()) and math.isinf(a.grad.item())
    assert k_from_formula(a.detach()) == 2.0**133


def test_a_tiny_input_gives_an_infinite_gradient_because_k_is_beyond_the_float32_maximum():
    a = torch.tensor(1e-37, requires_grad=True)
    assert a.dtype == torch.get_default_dtype() == torch.float32
    f(a).backward()
    assert control_flow.slope(a.detach()) == 2.0**133
    assert 1e40 < 2.0**133 < 1.1e40 and round(torch.finfo(torch.float32).max / 1e38, 1) == 3.4
    assert a.grad.item() == math.inf


def test_with_1e_37_d_is_finite_because_k_times_a_fits_in_float32_while_k_does_not():
    a = torch.tensor(1e-37, requires_grad=True)
    d = f(a)
    d.backward()
    biggest = torch.finfo(torch.float32).max
    assert 2.0**133 > biggest and 2.0**133 * a.item() < biggest
    assert math.isclose(d.item(), 2.0**133 * a.item(), rel_tol=1e-6) and round(d.item()) == 1089
    # The backward pass starts from 1 and doubles it 133 times: float32 overflows at the 128th doubling.
    grad = torch.tensor(1.0)
    for doubling in range(1, 134):
        grad = grad * 2
        assert math.isinf(grad.item()) == (doubling >= 128)
    assert a.grad.item() == grad.item() == math.inf


def test_the_shown_function_has_no_comments_since_both_languages_show_it():
    import io
    import tokenize

    source = (SNIPPETS / "control_flow.py").read_text(encoding="utf-8")
    region = source.split("# --8<-- [start:f]\n")[1].split("# --8<-- [end:f]")[0]
    tokens = tokenize.generate_tokens(io.StringIO(region).readline)
    assert [t.string for t in tokens if t.type == tokenize.COMMENT] == []
