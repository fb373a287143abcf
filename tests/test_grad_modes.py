"""Claims of docs/*/grad-modes.md that its printed outputs do not show, and its figure script."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from pathlib import Path

import fig_loss_curve
import numpy as np
import pytest
import torch
from other_releases import OTHER_RELEASES, run_on
from torch import nn
from training_loop import TRUE_B, TRUE_W, make_data, train_by_hand, train_with_sgd

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets" / "grad_modes"
FIGURE_SCRIPT = SNIPPETS / "fig_loss_curve.py"


def least_squares(X, y):
    """The minimum of the page's loss: parameters [w; b] and the mean squared error there."""
    X_aug = torch.cat([X, torch.ones(len(X), 1)], dim=1).double()
    theta = torch.linalg.lstsq(X_aug, y.double().unsqueeze(1)).solution.squeeze(1)
    return theta, ((X_aug @ theta - y.double()) ** 2).mean().item()


def hessian(X):
    X_aug = torch.cat([X, torch.ones(len(X), 1)], dim=1).double()
    return 2 * X_aug.T @ X_aug / len(X)


ON_RELEASE = """
import torch
before = torch.is_grad_enabled()
@torch.set_grad_enabled(False)
def off(t):
    return t * 2
w = torch.ones(2, requires_grad=True)
print("decorator", before, torch.is_grad_enabled(), off(w).requires_grad, torch.is_grad_enabled())
torch.set_grad_enabled(True)
p = torch.ones(2, requires_grad=True)
(p * 3).sum().backward()
torch.optim.SGD([p], lr=0.1).zero_grad()
print("zero_grad", p.grad is None)
@torch.no_grad()
def decorated():
    yield torch.is_grad_enabled()
def with_inside():
    with torch.no_grad():
        yield torch.is_grad_enabled()
seen = []
for gen in (decorated, with_inside):
    for inside in gen():
        seen += [inside, torch.is_grad_enabled()]
print("generator", *seen)
import asyncio
@torch.no_grad()
async def decorated_async(t):
    return (t * 2).requires_grad
async def with_in_async(t):
    with torch.no_grad():
        return (t * 2).requires_grad
print("async", asyncio.run(decorated_async(w)), asyncio.run(with_in_async(w)))
"""


@functools.lru_cache(maxsize=None)
def printed_on(release: str) -> dict[str, list[str]]:
    """What ON_RELEASE prints under another torch of `make versions` (.venvs/torch-<release>), by line."""
    out = run_on(release, ON_RELEASE)  # skips, naming the release, where it is not installed
    return {line.split()[0]: line.split()[1:] for line in out.splitlines()}


def on_release(release: str, what: str) -> list[str]:
    return printed_on(release)[what]


# --- grad modes ---------------------------------------------------------------------------------


def test_with_statements_restore_the_mode_even_when_an_exception_is_raised():
    with pytest.raises(ValueError):
        with torch.no_grad():
            raise ValueError
    assert torch.is_grad_enabled()
    with torch.no_grad():
        with pytest.raises(ValueError):
            with torch.enable_grad():
                raise ValueError
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()


def test_a_plain_call_of_set_grad_enabled_stays_until_changed_back():
    try:
        torch.set_grad_enabled(False)
        w = torch.ones(2, requires_grad=True)
        assert not torch.is_grad_enabled()
        assert not (w * 2).requires_grad
    finally:
        torch.set_grad_enabled(True)


def test_grad_mode_is_per_thread():
    seen = []
    with torch.no_grad():
        thread = threading.Thread(target=lambda: seen.append(torch.is_grad_enabled()))
        thread.start()
        thread.join()
        assert not torch.is_grad_enabled()
    assert seen == [True]


def test_decorators_with_and_without_parentheses_and_set_grad_enabled():
    w = torch.ones(3, requires_grad=True)

    @torch.no_grad
    def bare(t):
        assert not torch.is_grad_enabled()
        return t * 2

    @torch.set_grad_enabled(False)
    def switched_off(t):
        return t * 2

    @torch.inference_mode()
    def inferred(t):
        return t * 2

    assert not bare(w).requires_grad
    assert not switched_off(w).requires_grad
    assert inferred(w).is_inference()
    assert torch.is_grad_enabled()


def test_set_grad_enabled_as_a_decorator_leaves_grad_mode_alone_on_this_torch():
    @torch.set_grad_enabled(False)
    def off_here(t):
        assert not torch.is_grad_enabled()
        return t * 2

    assert torch.is_grad_enabled()
    assert not off_here(torch.ones(2, requires_grad=True)).requires_grad
    assert torch.is_grad_enabled()
    with torch.no_grad():  # and it restores what the caller had, not True

        @torch.set_grad_enabled(False)
        def off(t):
            return t * 2

        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()


@pytest.mark.parametrize("release", ["2.0.1", "1.12.0"])
def test_up_to_torch_2_1_the_set_grad_enabled_decorator_line_turns_grad_mode_off_for_good(release):
    assert on_release(release, "decorator") == ["True", "False", "False", "False"]


@pytest.mark.parametrize("release", ["2.14.1"])
def test_on_a_newer_torch_the_set_grad_enabled_decorator_line_leaves_grad_mode_alone(release):
    assert on_release(release, "decorator") == ["True", "True", "False", "True"]


@pytest.mark.parametrize(("release", "to_none"), [("2.14.1", "True"), ("2.0.1", "True"), ("1.12.0", "False")])
def test_zero_grad_sets_grads_to_none_since_torch_2_0_and_zeroes_them_on_1_12(release, to_none):
    assert on_release(release, "zero_grad") == [to_none]


def test_the_inference_tensor_message_names_no_grad_only_on_newer_releases():
    """The page says so instead of quoting the 2.13.0 message as universal; make versions recorded the others."""
    import json

    data = json.loads((ROOT / "versions" / "torch-versions.json").read_text(encoding="utf-8"))["versions"]
    page = (ROOT / "docs" / "en" / "grad-modes.md").read_text(encoding="utf-8")
    shown = "use `torch.no_grad()` instead of `torch.inference_mode()`"
    assert shown in page
    for release in ("2.0.1", "1.12.0"):
        printed = [b.get("output", "") for b in data[release]["pages"]["docs/en/grad-modes.md"]]
        older = [out for out in printed if out.startswith("RuntimeError: Inference tensors cannot be saved")]
        assert older and all("no_grad" not in out and "clone" in out for out in older), release


def test_a_decorated_generator_restores_grad_mode_at_every_yield_and_a_with_inside_it_does_not():
    @torch.no_grad()
    def decorated():
        for _ in range(2):
            yield torch.is_grad_enabled()

    def with_inside():
        with torch.no_grad():
            for _ in range(2):
                yield torch.is_grad_enabled()

    def between_yields(gen):
        seen = []
        for inside in gen:
            seen.append((inside, torch.is_grad_enabled()))
        return seen

    assert between_yields(decorated()) == [(False, True), (False, True)]
    assert between_yields(with_inside()) == [(False, False), (False, False)]
    assert torch.is_grad_enabled(), "the with ends when the generator finishes"
    with torch.no_grad():  # the decorator restores the caller's state, not True
        assert between_yields(decorated()) == [(False, False), (False, False)]


def test_a_training_loop_fed_by_a_generator_with_no_grad_inside_records_nothing():
    w = torch.ones(3, requires_grad=True)

    @torch.no_grad()
    def decorated():
        for _ in range(2):
            yield torch.randn(3)

    def with_inside():
        with torch.no_grad():
            for _ in range(2):
                yield torch.randn(3)

    for batch in decorated():
        (w * batch).sum().backward()
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        for batch in with_inside():
            (w * batch).sum().backward()
    assert torch.is_grad_enabled()


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_generators_under_a_decorator_and_under_a_with_differ_on_other_releases_too(release):
    assert on_release(release, "generator") == ["False", "True", "False", "False"]


def test_a_decorator_on_an_async_function_does_not_reach_its_body_and_a_with_inside_it_does():
    w = torch.ones(3, requires_grad=True)

    @torch.no_grad()
    async def decorated(t):
        return (t * 2).requires_grad, torch.is_grad_enabled()

    async def with_inside(t):
        with torch.no_grad():
            return (t * 2).requires_grad, torch.is_grad_enabled()

    @torch.no_grad()
    async def decorated_async_generator(t):
        yield (t * 2).requires_grad, torch.is_grad_enabled()

    async def first(agen):
        async for item in agen:
            return item

    def run(coroutine):
        # Driven here, in this thread (grad mode is per thread), without an event loop: under pytest-xdist
        # another test's event loop may be running in this thread, and asyncio.run() refuses to nest.
        try:
            coroutine.send(None)
        except StopIteration as done:
            return done.value
        raise AssertionError("the coroutine waited for something")

    assert run(decorated(w)) == (True, True)  # the body runs when awaited, with recording on
    assert run(with_inside(w)) == (False, False)
    assert run(first(decorated_async_generator(w))) == (True, True)  # with or without yield
    coroutine = decorated(w)  # created with recording on, awaited with it off: the mode of the await counts
    with torch.no_grad():
        assert run(coroutine) == (False, False)


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_a_decorator_on_an_async_function_does_not_reach_its_body_on_other_releases_too(release):
    assert on_release(release, "async") == ["True", "False"]


def test_a_decorator_restores_the_mode_when_the_function_raises():
    @torch.no_grad()
    def failing():
        raise ValueError

    with pytest.raises(ValueError):
        failing()
    assert torch.is_grad_enabled()


def test_requires_grad_flag_is_not_grad_mode():
    with torch.no_grad():
        leaf = torch.zeros(2, requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf
    (leaf * 3).sum().backward()  # usable as an ordinary leaf afterwards
    assert torch.equal(leaf.grad, torch.full((2,), 3.0))


def test_enable_grad_cannot_reopen_recording_inside_inference_mode_but_inference_mode_false_can():
    w = torch.ones(3, requires_grad=True)
    with torch.inference_mode():
        with torch.enable_grad():
            assert torch.is_grad_enabled()
            u = w * 2
        with torch.inference_mode(False):
            v = w * 2
    assert u.is_inference() and not u.requires_grad and u.grad_fn is None
    assert not v.is_inference() and v.requires_grad and v.grad_fn is not None


def test_inference_features_break_the_head_and_no_grad_features_do_not():
    torch.manual_seed(0)
    backbone, head = nn.Linear(4, 3), nn.Linear(3, 1)
    x = torch.randn(5, 4)
    with torch.inference_mode():
        features = backbone(x)
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        head(features)
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        head(features.detach())  # detach() is not a way out
    head(features.clone()).sum().backward()  # clone() is
    assert head.weight.grad is not None and backbone.weight.grad is None
    # A new tensor computed outside inference mode is ordinary: only the in-place change is refused.
    assert not (features - features.mean(dim=0)).is_inference()


def test_an_enable_grad_decorated_gradient_works_under_no_grad_but_not_inside_inference_mode():
    @torch.enable_grad()
    def gradient_of(f, x):
        x = x.detach().requires_grad_(True)
        f(x).backward()
        return x.grad

    with torch.no_grad():
        assert torch.equal(gradient_of(lambda t: (t**2).sum(), torch.tensor([1.0, 2.0])), torch.tensor([2.0, 4.0]))
    with torch.inference_mode():
        with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
            gradient_of(lambda t: (t**2).sum(), torch.tensor([1.0, 2.0]))


def test_views_and_detach_of_an_inference_tensor_are_inference_tensors_wherever_taken():
    with torch.inference_mode():
        t = torch.ones(3)
        inside = t[:2]
    assert inside.is_inference() and t[:2].is_inference() and t.detach().is_inference()
    assert t.reshape(3).is_inference()
    assert not (t + 0).is_inference() and not t.clone().is_inference()  # new tensors computed outside are not


def test_a_view_of_an_ordinary_tensor_taken_in_inference_mode_passes_no_gradient_back():
    w = torch.ones(3, requires_grad=True)
    with torch.inference_mode():
        first_two = w[:2]
        detached = w.detach()
    assert not first_two.is_inference() and not detached.is_inference()
    assert first_two.requires_grad and first_two.grad_fn is None
    (first_two * 3).sum().backward()  # no error, no warning
    assert w.grad is None
    with pytest.raises(RuntimeError, match="A view was created in inference mode and is being modified inplace"):
        first_two.add_(1)
    # The same view taken outside inference mode carries the gradient.
    (w[:2] * 3).sum().backward()
    assert torch.equal(w.grad, torch.tensor([3.0, 3.0, 0.0]))


@pytest.mark.filterwarnings("ignore:.*torch.jit.script.*:DeprecationWarning")  # the first make_dual's notice
@pytest.mark.parametrize("inside_enable_grad", [False, True])
def test_inference_mode_drops_forward_mode_tangents_and_no_grad_keeps_them(inside_enable_grad):
    import contextlib

    import torch.autograd.forward_ad as fwAD

    x = torch.tensor([1.0, 2.0, 0.0])
    extra = torch.enable_grad if inside_enable_grad else contextlib.nullcontext
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, torch.ones(3))
        for mode in (torch.no_grad, lambda: torch.set_grad_enabled(False)):
            with mode(), extra():
                assert torch.equal(fwAD.unpack_dual(dual.sin()).tangent, x.cos())
        with torch.inference_mode(), extra():
            assert fwAD.unpack_dual(dual.sin()).tangent is None


def test_inference_tensors_have_no_version_counter_but_ordinary_tensors_changed_inside_do():
    n = torch.zeros(3)
    with torch.inference_mode():
        t = torch.zeros(3)
        n.add_(1)
    assert n._version == 1 and not n.is_inference()
    with pytest.raises(RuntimeError, match="Inference tensors do not track version counter"):
        t._version


def test_only_inference_mode_false_brings_recording_back_and_inference_tensors_still_cannot_be_saved():
    w = torch.ones(3, requires_grad=True)
    with torch.inference_mode():
        t = w * 2
        with torch.inference_mode(False):
            assert not torch.is_inference_mode_enabled()
            assert (w * 2).grad_fn is not None
            with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
                t * w


def test_an_inference_tensor_not_saved_by_any_node_can_still_take_part_in_backward():
    # The table's restriction is exactly "cannot be saved": a leaf made in inference mode gets its gradient
    # through an operation that saves nothing of it.
    with torch.inference_mode():
        leaf = torch.ones(2, requires_grad=True)
    assert leaf.is_inference() and leaf.requires_grad
    (leaf * 2).sum().backward()
    assert torch.equal(leaf.grad, torch.full((2,), 2.0))


# --- model.eval() is not no_grad ----------------------------------------------------------------


def test_eval_keeps_recording_and_leaves_grad_mode_alone():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(8, 1))
    model.eval()
    out = model(torch.randn(6, 4))
    assert torch.is_grad_enabled()
    assert out.requires_grad and out.grad_fn is not None
    assert all(not m.training for m in model.modules())
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_dropout_zeroes_with_probability_p_and_scales_the_rest():
    torch.manual_seed(1)
    drop = nn.Dropout(p=0.5)
    out = drop(torch.ones(100_000))
    assert set(out.unique().tolist()) == {0.0, 2.0}
    assert abs((out == 0).float().mean().item() - 0.5) < 0.01
    assert abs(out.mean().item() - 1.0) < 0.02  # the expectation is kept
    drop.eval()
    x = torch.randn(10)
    assert torch.equal(drop(x), x)


def test_batch_norm_numbers_of_the_page():
    bn = nn.BatchNorm1d(2)
    batch = torch.tensor([[1.0, 10.0], [3.0, 30.0]])
    bn(batch)
    unbiased = batch.var(dim=0, unbiased=True)
    torch.testing.assert_close(bn.running_mean, 0.1 * batch.mean(dim=0))
    torch.testing.assert_close(bn.running_var, 0.9 + 0.1 * unbiased)
    bn.eval()
    expected = (batch - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps)
    torch.testing.assert_close(bn(batch), expected)
    # no_grad in training mode still moves the running averages.
    bn.train()
    before = bn.running_mean.clone()
    with torch.no_grad():
        bn(batch)
    assert not torch.equal(bn.running_mean, before)


def test_batch_norm_without_running_stats_uses_the_batch_in_eval_too():
    bn = nn.BatchNorm1d(2, track_running_stats=False)
    batch = torch.tensor([[1.0, 10.0], [3.0, 30.0]])
    assert bn.running_mean is None and bn.running_var is None
    bn.eval()
    torch.testing.assert_close(bn(batch), torch.tensor([[-1.0, -1.0], [1.0, 1.0]]), atol=1e-4, rtol=0)


# --- the training loop --------------------------------------------------------------------------


def test_manual_loop_learns_the_true_parameters_and_reaches_the_least_squares_loss():
    X, y = make_data()
    w, b, losses = train_by_hand(X, y)
    assert len(losses) == 50 and all(isinstance(loss, float) for loss in losses)
    assert all(later <= earlier for earlier, later in zip(losses, losses[1:])), "the loss never goes up"
    assert losses[-1] < 1e-3 * losses[0]
    torch.testing.assert_close(w, TRUE_W, atol=2e-3, rtol=0)
    assert abs(b.item() - TRUE_B) < 2e-3
    theta, best = least_squares(X, y)
    # The floor is the least-squares loss, about the noise variance 0.01**2.
    assert losses[-1] == pytest.approx(best, rel=1e-2)
    assert 0.5e-4 < best < 2e-4
    torch.testing.assert_close(torch.cat([w, b.reshape(1)]).double(), theta, atol=1e-3, rtol=0)
    assert not (w.requires_grad or b.requires_grad)


def test_manual_and_sgd_loops_give_close_parameters_and_the_printed_digits():
    X, y = make_data()
    w, b, losses = train_by_hand(X, y)
    w_sgd, b_sgd, losses_sgd = train_with_sgd(X, y)
    assert torch.allclose(w, w_sgd) and torch.allclose(b, b_sgd)
    # The page prints four significant digits: the rounding differences stay far below them.
    np.testing.assert_allclose(losses, losses_sgd, rtol=1e-5)
    assert [f"{v:.4g}" for v in losses] == [f"{v:.4g}" for v in losses_sgd]


@pytest.mark.parametrize(("seed", "lr"), [(1, 0.1), (2, 0.3), (3, 0.05)])
def test_manual_and_sgd_loops_agree_closely_in_general(seed, lr):
    X, y = make_data(seed=seed)
    w, b, losses = train_by_hand(X, y, lr=lr)
    w_sgd, b_sgd, losses_sgd = train_with_sgd(X, y, lr=lr)
    torch.testing.assert_close(w, w_sgd)
    torch.testing.assert_close(b, b_sgd)
    np.testing.assert_allclose(losses, losses_sgd, rtol=1e-5)


ROUNDING = """
import torch
gen = torch.Generator().manual_seed(0)
start, grad = torch.randn(1000, generator=gen), torch.randn(1000, generator=gen)
p = start.clone().requires_grad_(True)
p.grad = grad.clone()
torch.optim.SGD([p], lr=0.1).step()
exact = (start.double() + torch.tensor(-0.1).double() * grad.double()).float()  # rounded once
print((p.detach() != start - 0.1 * grad).sum().item(), (p.detach() != exact).sum().item())
"""


def rounding_under(capability: str | None) -> tuple[int, int]:
    """(elements where step() differs from rounding twice, from rounding once) under a CPU capability."""
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    if capability:
        env["ATEN_CPU_CAPABILITY"] = capability
    out = subprocess.run([sys.executable, "-c", ROUNDING], env=env, capture_output=True, text=True, check=True).stdout
    twice, once = map(int, out.split())
    return twice, once


def test_whether_sgd_rounds_once_or_twice_depends_on_the_cpu_kernel():
    """The page's claim: the last bits of SGD's update depend on the kernel, so compare with allclose."""
    twice, once = rounding_under("default")
    assert twice == 0 and once > 0  # the plain kernel rounds twice
    if torch.backends.cpu.get_cpu_capability() in {"AVX2", "AVX512"}:
        twice, once = rounding_under(None)
        assert once == 0 and twice > 0  # the vectorised kernel's fused multiply-add rounds once


def test_sgds_step_in_the_page_is_exact_on_any_kernel():
    for capability in ("default", None):
        env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"} | (
            {"ATEN_CPU_CAPABILITY": capability} if capability else {}
        )
        code = (
            "import torch; p = torch.tensor([1.0, 2.0], requires_grad=True); p.grad = torch.tensor([2.0, -2.0]);"
            "torch.optim.SGD([p], lr=0.5).step(); print(p.tolist())"
        )
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
        assert out.strip() == "[0.0, 3.0]"


def test_the_manual_loop_written_with_add_alpha_equals_sgd_bit_for_bit():
    X, y = make_data()
    w = torch.zeros(2, requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(50):
        w.grad = None
        b.grad = None
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w.add_(w.grad, alpha=-0.1)
            b.add_(b.grad, alpha=-0.1)
        losses.append(loss.item())
    assert losses == train_with_sgd(X, y)[2]


def test_sgd_zero_grad_sets_none_and_step_records_nothing():
    w = torch.ones(2, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.1)
    (w**2).sum().backward()
    with torch.autograd.graph.saved_tensors_hooks(lambda t: pytest.fail("step() saved a tensor"), lambda t: t):
        optimizer.step()
    assert w.is_leaf and w.grad_fn is None and w._version == 1
    optimizer.zero_grad()
    assert w.grad is None


def test_without_zeroing_grad_is_the_sum_of_every_step_gradient():
    X, y = make_data()
    lr = 0.1
    w = torch.zeros(2, requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    total = torch.zeros(2)
    for _ in range(5):
        loss = ((X @ w + b - y) ** 2).mean()
        (step_grad,) = torch.autograd.grad(loss, w, retain_graph=True)
        total += step_grad
        loss.backward()
        torch.testing.assert_close(w.grad, total)
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad


def test_without_zeroing_the_loss_keeps_oscillating():
    X, y = make_data()
    _, _, losses = train_by_hand(X, y, zero_grads=False)
    _, best = least_squares(X, y)
    tail = losses[-20:]
    assert max(tail) > 10 and min(tail) > 1000 * best
    # No decay: the late swings are as large as the early ones.
    assert max(tail) > 0.5 * max(losses[5:25])
    # The recurrence e_{t+1} = (2 - lr λ) e_t - e_{t-1} has roots of modulus 1 for every eigenvalue.
    for lam in torch.linalg.eigvalsh(hessian(X)).tolist():
        assert 0 < 0.1 * lam < 4
        roots = np.roots([1.0, -(2 - 0.1 * lam), 1.0])
        np.testing.assert_allclose(np.abs(roots), 1.0)


def test_critical_learning_rate_is_two_over_the_largest_eigenvalue():
    X, y = make_data()
    critical = 2 / torch.linalg.eigvalsh(hessian(X)).max().item()
    assert critical == pytest.approx(0.8458, abs=1e-3)
    _, _, below = train_by_hand(X, y, lr=critical - 0.01, steps=500)
    _, _, above = train_by_hand(X, y, lr=critical + 0.01, steps=500)
    _, best = least_squares(X, y)
    assert below[-1] == pytest.approx(best, rel=1e-2)
    assert above[-1] > above[0]


def test_logging_the_loss_tensor_keeps_its_graph_node():
    w = torch.ones(2, requires_grad=True)
    kept = []
    for _ in range(2):
        loss = ((w - 3) ** 2).sum()
        loss.backward()
        kept.append(loss)
    assert all(loss.grad_fn is not None for loss in kept)
    assert kept[0].grad_fn is not kept[1].grad_fn  # one graph per step


# --- exercise 3: evaluate -----------------------------------------------------------------------


def page_evaluate():
    """The answer's `evaluate`, taken from the page (both languages show the same code)."""
    import textwrap

    text = (ROOT / "docs" / "en" / "grad-modes.md").read_text(encoding="utf-8")
    start = text.index("    @torch.no_grad()\n    def evaluate(")
    code = textwrap.dedent(text[start : text.index("\n\n\n", start)])
    namespace = {"torch": torch}
    exec(code, namespace)
    return namespace["evaluate"]


evaluate = page_evaluate()


def frozen_bn_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(16, 1))
    model[1].eval()  # a batch norm kept in evaluation mode on purpose, as when fine-tuning
    return model


def test_evaluate_restores_each_submodules_own_mode_so_a_frozen_batch_norm_stays_frozen():
    model = frozen_bn_model()
    X, y = torch.randn(64, 2), torch.randn(64)
    before = [m.training for m in model.modules()]
    evaluate(model, X, y)
    assert [m.training for m in model.modules()] == before == [True, True, False, True, True, True]
    running_mean = model[1].running_mean.clone()
    model(X)  # a training step's forward pass
    assert torch.equal(model[1].running_mean, running_mean)


def test_model_train_sets_every_submodule_so_one_flag_would_unfreeze_the_batch_norm():
    model = frozen_bn_model()
    X = torch.randn(64, 2)
    model.train(model.training)
    assert all(m.training for m in model.modules())
    running_mean = model[1].running_mean.clone()
    model(X)
    assert not torch.equal(model[1].running_mean, running_mean)


def test_eval_is_what_makes_two_evaluations_agree():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(16, 1))
    X, y = torch.randn(64, 2), torch.randn(64)
    with torch.no_grad():
        noisy = [((model(X).squeeze(1) - y) ** 2).mean().item() for _ in range(2)]
    assert noisy[0] != noisy[1], "in training mode, dropout makes every pass different"
    assert evaluate(model, X, y) == evaluate(model, X, y)
    model.eval()
    evaluate(model, X, y)
    assert not model.training, "the mode before the call is restored, whichever it was"


def test_evaluate_restores_training_mode_when_the_model_raises():
    model = nn.Sequential(nn.Linear(2, 1))
    with pytest.raises(RuntimeError):
        evaluate(model, torch.randn(4, 3), torch.randn(4))  # wrong input width
    assert model.training and torch.is_grad_enabled()


# --- the figure and the page ---------------------------------------------------------------------


def test_figure_data_is_the_pages_loop():
    X, y = make_data()
    (label_zeroed, zeroed), (label_never, never) = fig_loss_curve.curves()
    assert zeroed == train_by_hand(X, y)[2]
    assert never == train_by_hand(X, y, zero_grads=False)[2]
    assert "None" in label_zeroed and "never" in label_never


def test_the_never_zeroed_curve_dips_once_to_0_1_then_swings_between_about_1_and_30():
    """The figure's alt text, both languages."""
    X, y = make_data()
    _, _, never = train_by_hand(X, y, zero_grads=False)
    _, _, zeroed = train_by_hand(X, y)
    assert min(range(len(never)), key=never.__getitem__) == 3 and 0.05 < never[3] < 0.15
    later = never[5:]
    assert 0.5 < min(later) < 2 and 25 < max(later) < 40
    assert 25 < zeroed[0] < 40 and all(a > b for a, b in zip(zeroed, zeroed[1:]))
    assert zeroed[40] < 1.1 * zeroed[-1] and zeroed[30] > 2 * zeroed[-1]  # levels off after about 40 steps
    for lang, words in [
        ("en", "dips once to 0.1 at step 3, then keeps swinging between about 1 and 30"),
        ("zh", "在第 3 步跌到 0.1 一次，之后在约 1 到 30 之间反复振荡"),
    ]:
        assert (ROOT / "docs" / lang / "grad-modes.md").read_text(encoding="utf-8").count(words) == 2


def test_the_shown_regions_carry_no_comments_since_both_languages_show_them():
    import io
    import tokenize

    source = (SNIPPETS / "training_loop.py").read_text(encoding="utf-8")
    shown = [
        line
        for region in ("data", "manual", "optim", "plot")
        for line in source.split(f"# --8<-- [start:{region}]")[1].split(f"# --8<-- [end:{region}]")[0].splitlines()
    ]
    tokens = tokenize.generate_tokens(io.StringIO("\n".join(shown) + "\n").readline)
    assert not [t.string for t in tokens if t.type == tokenize.COMMENT]
    assert '"""' not in "\n".join(shown)


def test_figure_script_uses_the_functions_the_page_shows():
    source = FIGURE_SCRIPT.read_text(encoding="utf-8")
    assert "from training_loop import make_data, plot_losses, train_by_hand" in source
    for page in ("zh/grad-modes.md", "en/grad-modes.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        for region in ("data", "manual", "optim", "plot"):
            assert f'--8<-- "snippets/grad_modes/training_loop.py:{region}"' in text
        lang = page.split("/")[0]
        assert f"figures/loss_curve.{lang}.light.svg#only-light" in text
        assert f"figures/loss_curve.{lang}.dark.svg#only-dark" in text
        assert '("w.grad = None every step", losses), ("never zeroed", losses_acc)' in text


def test_the_zh_figure_is_the_code_s_figure_with_only_its_words_translated():
    """The zh page shows the English-labelled code and says that its figure has Chinese words."""
    import inspect

    en, zh = fig_loss_curve.curves("en"), fig_loss_curve.curves("zh")
    assert [losses for _, losses in zh] == [losses for _, losses in en]
    words = fig_loss_curve.WORDS["en"]
    defaults = inspect.signature(fig_loss_curve.plot_losses).parameters
    assert (defaults["xlabel"].default, defaults["ylabel"].default) == (words["x"], words["y"])
    shown = f'("{words["zeroed"]}", losses), ("{words["never"]}", losses_acc)'
    for lang in ("zh", "en"):
        assert shown in (ROOT / "docs" / lang / "grad-modes.md").read_text(encoding="utf-8")
    zh_page = (ROOT / "docs" / "zh" / "grad-modes.md").read_text(encoding="utf-8")
    assert "页面上显示的图只把图例和坐标轴的文字换成了中文" in zh_page


def test_published_figure_has_both_curves(site):
    # Determinism and both themes: tests/test_figures.py.
    for theme in ("light", "dark"):
        en = (site / "figures" / f"loss_curve.en.{theme}.svg").read_text(encoding="utf-8")
        zh = (site / "figures" / f"loss_curve.zh.{theme}.svg").read_text(encoding="utf-8")
        assert "never zeroed" in en and "every step" in en
        assert "从不清零" in zh and "每步" in zh


def test_zeroing_in_place_fails_before_the_first_backward():
    w = torch.zeros(2, requires_grad=True)
    assert w.grad is None
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'zero_'"):
        w.grad.zero_()


def test_an_await_inside_no_grad_runs_the_other_tasks_with_recording_off_too():
    # The page: keep every await outside the with, as grad mode is per thread, not per task.
    import asyncio
    import threading

    w = torch.ones(3, requires_grad=True)
    seen = {}

    async def careless():
        with torch.no_grad():
            await asyncio.sleep(0)  # the other task runs here

    async def other():
        seen["recorded"] = (w * 2).requires_grad

    async def both():
        await asyncio.gather(careless(), other())

    # A thread of its own: under pytest-xdist another event loop may run in this one.
    thread = threading.Thread(target=lambda: asyncio.run(both()))
    thread.start()
    thread.join()
    assert seen == {"recorded": False}
