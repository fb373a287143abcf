"""Rules stated on docs/<lang>/detach.md, tried on the cases that break rules.

The page's own blocks show the running example (y = x * x; u = y.detach(); z = u * x). These tests
try each general sentence on what the page does not show: a constant, a scalar, grad mode off
(no_grad, inference_mode, set_grad_enabled(False)), create_graph=True, a graph that saved nothing.
"""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from other_releases import OTHER_RELEASES, run_on

ROOT = Path(__file__).resolve().parent.parent

LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation"
NUMPY = r"Can't call numpy\(\) on Tensor that requires grad"


@pytest.mark.parametrize(
    "x", [torch.arange(4.0), torch.tensor(3.0), torch.randn(2, 3, generator=torch.Generator().manual_seed(0))]
)
def test_the_gradient_through_a_detached_square_is_u_and_without_detach_it_is_three_x_squared(x):
    x = x.clone().requires_grad_(True)
    y = x * x
    u = y.detach()
    (u * x).sum().backward()
    assert torch.equal(x.grad, u)
    x.grad = None
    (y * x).sum().backward()  # the graph of y is untouched by detach()
    torch.testing.assert_close(x.grad, 3 * x.detach() ** 2)


def test_a_detached_tensor_requires_no_grad_has_no_grad_fn_and_is_a_leaf_even_from_a_constant():
    for y in [torch.arange(3.0, requires_grad=True) * 2, torch.arange(3.0)]:
        u = y.detach()
        assert not u.requires_grad and u.grad_fn is None and u.is_leaf


def test_detach_shares_storage_and_detach_clone_does_not():
    b = torch.ones(3, requires_grad=True) * 2
    c = b.detach()
    c[0] = 100.0
    assert b[0].item() == 100.0
    copy = b.detach().clone()
    copy[1] = 7.0
    assert b[1].item() == 2.0


def test_dot_data_hides_the_change_and_gives_a_wrong_gradient():
    a = torch.ones(3, requires_grad=True)
    b = a.exp()
    b.data.mul_(0)  # no error: the version counter does not move
    b.sum().backward()
    assert torch.equal(a.grad, torch.zeros(3))  # should have been e^1


def test_an_in_place_change_through_detach_of_a_tensor_that_saved_nothing_does_not_raise():
    # The warning box says "can make backward() fail": only when the original was saved.
    a = torch.ones(3, requires_grad=True)
    b = a * 2  # MulBackward0 by a constant saves no tensor of b
    b.detach().mul_(0)
    b.sum().backward()
    assert torch.equal(a.grad, torch.full((3,), 2.0))


def test_an_in_place_change_to_a_leaf_that_requires_grad_raises_while_grad_mode_is_on():
    w = torch.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    with pytest.raises(RuntimeError, match=LEAF_IN_PLACE):
        w -= 0.1 * w.grad


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode", "set_grad_enabled(False)", "w.detach()"])
def test_an_in_place_change_to_a_leaf_works_while_grad_mode_is_off_or_on_w_detach(mode):
    w = torch.ones(3, requires_grad=True)
    (w * w).sum().backward()
    if mode == "no_grad":
        with torch.no_grad():
            w -= 0.1 * w.grad
    elif mode == "inference_mode":
        with torch.inference_mode():
            w -= 0.1 * w.grad
    elif mode == "set_grad_enabled(False)":
        with torch.set_grad_enabled(False):
            w -= 0.1 * w.grad
    else:
        w.detach().sub_(0.1 * w.grad)
    torch.testing.assert_close(w.detach(), torch.full((3,), 0.8))
    # Still an ordinary leaf that requires grad, even after the update under inference_mode.
    assert w.is_leaf and w.requires_grad and not w.is_inference()
    (w * w).sum().backward()


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_minus_equals_overwrites_the_numbers_stored_in_w_and_makes_no_new_tensor(mode):
    w = torch.ones(3, requires_grad=True)
    (w * w).sum().backward()
    before, storage = w, w.untyped_storage().data_ptr()
    with mode():
        w -= 0.1 * w.grad
    assert w is before and w.untyped_storage().data_ptr() == storage
    torch.testing.assert_close(before.detach(), torch.full((3,), 0.8))
    assert w.is_leaf and w.requires_grad


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_exercise_3_w_equals_w_minus_with_grad_mode_off_is_a_new_tensor_that_requires_no_grad(mode):
    w = torch.ones(3, requires_grad=True)
    (w * w).sum().backward()
    old = w
    with mode():
        w = w - 0.1 * w.grad
    assert w is not old and not w.requires_grad and w.grad_fn is None
    assert torch.equal(old.detach(), torch.ones(3))  # the parameter itself was never updated
    assert not (w * w).sum().requires_grad  # a later loss is not differentiated with respect to it


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_results_of_a_block_with_grad_mode_off_record_no_graph_even_from_a_leaf_that_requires_grad(mode):
    w = torch.ones(3, requires_grad=True)
    with mode():
        s = w * 2
        assert not torch.is_grad_enabled()
    assert not s.requires_grad and s.grad_fn is None
    assert torch.is_grad_enabled()
    assert s.is_inference() == (mode is torch.inference_mode)


def test_a_no_grad_result_is_a_constant_in_later_differentiated_computations():
    w = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        s = w * 2
    (w * s).sum().backward()
    assert torch.equal(w.grad, s)


def test_no_grad_as_decorator():
    w = torch.ones(3, requires_grad=True)

    @torch.no_grad()
    def evaluate(weights):
        return weights * 2

    out = evaluate(w)
    assert not out.requires_grad and out.grad_fn is None
    assert torch.is_grad_enabled()


def test_inference_tensors_cannot_be_saved_for_backward_but_a_clone_or_no_grad_can():
    w = torch.ones(3, requires_grad=True)
    with torch.inference_mode():
        t = w * 2
    # No version counter (the bookkeeping inference mode skips).
    with pytest.raises(RuntimeError, match="Inference tensors do not track version counter"):
        t._version
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        w * t
    # An operation that saves nothing goes through: "saved" is the condition, not "used".
    (w + t).sum().backward()
    assert torch.equal(w.grad, torch.ones(3))
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode is not allowed"):
        t.add_(1)
    assert not t.clone().is_inference()
    w.grad = None
    (w * t.clone()).sum().backward()
    assert torch.equal(w.grad, t)
    assert t.detach().is_inference()  # detach() does not turn it back into an ordinary tensor


def test_numpy_raises_for_a_leaf_and_a_non_leaf_that_require_grad_while_grad_mode_is_on():
    x = torch.linspace(0.0, 1.0, 3, requires_grad=True)
    for t in (x, x * x):
        with pytest.raises(RuntimeError, match=NUMPY):
            t.numpy()


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_numpy_of_a_tensor_that_requires_grad_works_while_grad_mode_is_off(mode):
    # Why the page says "while grad mode is on (the default)".
    x = torch.linspace(0.0, 1.0, 3, requires_grad=True)
    with mode():
        assert np.array_equal(x.numpy(), np.array([0.0, 0.5, 1.0], dtype=np.float32))


def test_detach_numpy_shares_memory_and_copy_does_not():
    x = torch.linspace(0.0, 1.0, 3, requires_grad=True)
    shared = x.detach().numpy()
    copied = x.detach().numpy().copy()
    shared[0] = 7.0
    assert x[0].item() == 7.0
    assert copied[0] == 0.0
    assert np.array_equal(x.numpy(force=True), np.array([7.0, 0.5, 1.0], dtype=np.float32))


def test_x_grad_after_an_ordinary_backward_requires_no_grad_and_converts():
    x = torch.linspace(0.0, 1.0, 3, requires_grad=True)
    (x * x).sum().backward()
    assert not x.grad.requires_grad
    assert np.array_equal(x.grad.numpy(), np.array([0.0, 1.0, 2.0], dtype=np.float32))


def test_x_grad_after_backward_with_create_graph_requires_grad_and_numpy_raises():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns of the reference cycle once per process
        (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    with pytest.raises(RuntimeError, match=NUMPY):
        x.grad.numpy()
    assert np.array_equal(x.grad.detach().numpy(), np.array([3.0, 12.0], dtype=np.float32))
    x.grad = None


def test_a_gradient_from_autograd_grad_with_create_graph_requires_grad_even_for_a_graph_that_saved_nothing():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad((x**3).sum(), x, create_graph=True)
    assert g.requires_grad
    # x.sum() saves nothing: its gradient (ones) does not depend on x, so it requires no grad.
    (ones,) = torch.autograd.grad(x.sum(), x, create_graph=True)
    assert not ones.requires_grad
    ones.numpy()


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_a_create_graph_gradient_requires_grad_under_no_grad_but_not_when_computed_in_inference_mode(mode):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x**3).sum()
    with mode():
        (g,) = torch.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad == (mode is torch.no_grad)
    if g.requires_grad:
        with pytest.raises(RuntimeError, match=NUMPY):
            g.numpy()
    else:
        g.numpy()


@pytest.mark.parametrize("f", [lambda x: x.sum(), lambda x: (2 * x).sum()])
def test_with_create_graph_a_gradient_built_from_constants_only_requires_no_grad(f):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    assert not g.requires_grad and g.grad_fn is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f(x).backward(create_graph=True)
    assert not x.grad.requires_grad
    x.grad = None


def test_an_in_place_change_through_detach_breaks_only_a_backward_through_the_node_that_saved_it():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a.exp()  # saves its output b
    c = a * 2  # saves nothing that changes
    b.detach().mul_(0)
    c.sum().backward()  # does not pass through exp: works
    assert torch.equal(a.grad, torch.full((2,), 2.0))
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_inside_inference_mode_new_tensors_are_inference_tensors_but_views_of_ordinary_ones_are_not():
    w = torch.ones(3, requires_grad=True)
    with torch.inference_mode():
        v = w[:2]
        t = w * 2
    assert t.is_inference() and not v.is_inference()
    (w[:2] * v).sum().backward()  # v can be saved
    assert torch.equal(w.grad, torch.tensor([1.0, 1.0, 0.0]))


def test_exercise_1_half_detached_by_hand():
    x = torch.tensor(2.0, requires_grad=True)
    y = x * x
    (y.detach() * x + y).backward()
    u = 4.0
    assert x.grad.item() == u + 2 * 2.0 == 8.0


def test_exercise_2_a_constant_times_a_tensor_that_requires_grad_requires_grad():
    w = torch.ones(2, requires_grad=True)
    b = (w * 3).detach()
    d = b * w
    assert d.requires_grad and d.grad_fn is not None
    d.sum().backward()
    assert torch.equal(w.grad, b)


# --- the review of the version counter, inference_mode and create_graph sentences -----------------

IN_PLACE = {
    "mul_": lambda c: c.mul_(1),
    "c[0] = ...": lambda c: c.__setitem__(0, 1.0),
    "copy_": lambda c: c.copy_(torch.ones(3)),
    "zero_": lambda c: c.zero_(),
    "out=": lambda c: torch.mul(torch.ones(3), 1.0, out=c),
    "a slice's mul_": lambda c: c[:2].mul_(1),
}


@pytest.mark.parametrize("mode", ["grad mode on", "no_grad", "inference_mode"])
@pytest.mark.parametrize("op", IN_PLACE, ids=list(IN_PLACE))
def test_every_in_place_torch_operation_on_a_detached_tensor_increases_the_version_counter_it_shares(op, mode):
    a = torch.ones(3, requires_grad=True)
    b = a.exp()  # saves its output b
    context = {"grad mode on": torch.enable_grad, "no_grad": torch.no_grad, "inference_mode": torch.inference_mode}
    with context[mode]():
        IN_PLACE[op](b.detach())
    assert b._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


@pytest.mark.parametrize("write", ["b.data", "b.detach().numpy()"])
def test_a_write_that_goes_around_torch_operations_is_not_counted_and_gives_a_wrong_gradient(write):
    a = torch.ones(3, requires_grad=True)
    b = a.exp()
    if write == "b.data":
        b.data.mul_(0)
    else:
        b.detach().numpy()[:] = 0
    assert b._version == 0
    b.sum().backward()  # no error
    assert torch.equal(a.grad, torch.zeros(3))  # the true gradient is e = 2.7183 each


def test_inside_inference_mode_an_in_place_change_to_an_ordinary_tensor_is_still_counted():
    a = torch.ones(3, requires_grad=True)
    b = a.exp()
    with torch.inference_mode():
        b.detach().mul_(1)
    assert not b.is_inference() and b._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()
    with torch.inference_mode():
        t = a * 2
    with pytest.raises(RuntimeError, match="Inference tensors do not track version counter"):
        t._version


def test_a_clone_made_inside_inference_mode_is_an_inference_tensor_and_one_made_outside_is_ordinary():
    w = torch.ones(3, requires_grad=True)
    with torch.inference_mode():
        t = w * 2
        inside = t.clone()
    outside = t.clone()
    assert inside.is_inference() and not outside.is_inference()
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        w * inside
    (w * outside).sum().backward()
    assert torch.equal(w.grad, outside)


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode, lambda: torch.set_grad_enabled(False)])
def test_grad_mode_is_on_by_default_and_no_grad_and_inference_mode_turn_it_off(mode):
    w = torch.ones(3, requires_grad=True)
    assert torch.is_grad_enabled() and (w * 2).requires_grad
    with mode():
        assert not torch.is_grad_enabled()
        assert not (w * 2).requires_grad  # nothing is recorded
    assert torch.is_grad_enabled()


def test_with_create_graph_a_gradient_that_does_not_depend_on_x_can_still_require_grad_and_refuse_numpy():
    x = torch.linspace(0.0, 1.0, 3, requires_grad=True)
    w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (gx,) = torch.autograd.grad((w * x).sum(), x, create_graph=True)
    assert torch.equal(gx.detach(), w.detach())  # w, whatever x is
    assert gx.requires_grad
    with pytest.raises(RuntimeError, match=NUMPY):
        gx.numpy()
    assert np.array_equal(gx.detach().numpy(), np.array([1.0, 2.0, 3.0], dtype=np.float32))


def test_with_create_graph_a_gradient_that_depends_on_x_need_not_require_grad_so_the_page_names_requires_grad():
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad(x.clamp(min=0).sum(), x, create_graph=True)
    assert torch.equal(g, torch.tensor([0.0, 1.0]))  # a step in x
    assert not g.requires_grad
    g.numpy()


ON_RELEASE = """
import torch
a = torch.ones(3, requires_grad=True)
b = a.exp(); b.detach().numpy()[:] = 0; print("numpy_write_counted", b._version == 1)
b = a.exp(); b.detach().mul_(1); print("mul_counted", b._version == 1)
b = a.exp()
with torch.inference_mode():
    b.detach().mul_(1)
    t = a * 2
    inside = t.clone()
    view = a[:2]
print("counted_in_inference_mode", b._version == 1)
print("clone_inside_is_inference", inside.is_inference(), "clone_outside_is_inference", t.clone().is_inference())
print("view_is_inference", view.is_inference())
"""


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_the_version_counter_and_clone_sentences_hold_on_the_other_recorded_releases(release):
    out = run_on(release, ON_RELEASE).split()
    printed = dict(zip(out[::2], out[1::2]))
    assert printed == {
        "numpy_write_counted": "False",
        "mul_counted": "True",
        "counted_in_inference_mode": "True",
        "clone_inside_is_inference": "True",
        "clone_outside_is_inference": "False",
        "view_is_inference": "False",
    }


# --- the third review: create_graph under no_grad, views, the first backward ----------------------


class _Double(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        return 2 * t

    @staticmethod
    def backward(ctx, grad):
        return 2 * grad


FORWARD = {
    "mul": lambda w: w * 2,
    "matmul": lambda w: w @ w,
    "exp": torch.exp,
    "sum": lambda w: w.sum(),
    "a custom Function": _Double.apply,
    "an in-place change of a non-leaf": lambda w: (w * 1).mul_(2),
}


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
@pytest.mark.parametrize("op", FORWARD, ids=list(FORWARD))
def test_no_forward_computation_inside_no_grad_or_inference_mode_is_recorded(op, mode):
    w = torch.ones(3, requires_grad=True)
    with mode():
        out = FORWARD[op](w)
    assert not out.requires_grad and out.grad_fn is None


@pytest.mark.parametrize("call", ["autograd.grad", "backward"])
def test_a_backward_pass_with_create_graph_is_recorded_even_inside_no_grad_but_not_inside_inference_mode(call):
    for mode, recorded in [(torch.no_grad, True), (torch.inference_mode, False)]:
        x = torch.tensor(2.0, requires_grad=True)
        y = x**3
        with mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # backward(create_graph=True) warns of a reference cycle
            assert not torch.is_grad_enabled()
            if call == "autograd.grad":
                (g,) = torch.autograd.grad(y, x, create_graph=True)
            else:
                y.backward(create_graph=True)
                g = x.grad
        assert g.item() == 12.0
        assert g.requires_grad == recorded and (g.grad_fn is not None) == recorded
        if recorded:
            (second,) = torch.autograd.grad(g, x)  # after the block: 6x = 12
            assert second.item() == 12.0
        x.grad = None


def test_the_first_backward_stops_at_u_so_the_node_of_y_keeps_its_saved_tensors_and_a_backward_through_y_works():
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    (y.detach() * x).sum().backward()
    assert torch.equal(y.grad_fn._saved_self, x.detach())  # not freed: the pass never reached this node
    x.grad = None
    (y * x).sum().backward()
    assert torch.equal(x.grad, 3 * x.detach() ** 2)
    with pytest.raises(RuntimeError, match="freed"):
        y.grad_fn._saved_self  # this pass ran the node and let its saved tensors go


VIEWS = {
    "w[:2]": lambda w: w[:2],
    "view": lambda w: w.view(3),
    "unsqueeze": lambda w: w.unsqueeze(0),
    "expand": lambda w: w.expand(2, 3),
    "reshape": lambda w: w.reshape(3),
}


@pytest.mark.parametrize("view", VIEWS, ids=list(VIEWS))
def test_a_view_of_an_ordinary_tensor_taken_inside_inference_mode_is_not_an_inference_tensor(view):
    w = torch.ones(3, requires_grad=True)
    with torch.inference_mode():
        v = VIEWS[view](w)
        new = w * 2
    assert v._is_view() and not v.is_inference()
    assert new.is_inference()


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_the_create_graph_sentences_hold_on_the_other_recorded_releases(release):
    script = """
import warnings; warnings.simplefilter("ignore")
import torch
x = torch.tensor(2.0, requires_grad=True); y = x ** 3
with torch.no_grad():
    g, = torch.autograd.grad(y, x, create_graph=True)
print("no_grad_records", g.grad_fn is not None)
y = x ** 3
with torch.inference_mode():
    g, = torch.autograd.grad(y, x, create_graph=True)
print("inference_mode_records", g.requires_grad)
"""
    out = run_on(release, script).split()
    assert dict(zip(out[::2], out[1::2])) == {
        "no_grad_records": "True",
        "inference_mode_records": "False",
    }


# --- the fourth review: views taken in inference_mode, enable_grad -----------------------------------


@pytest.mark.parametrize("base", ["a leaf", "a non-leaf"])
@pytest.mark.parametrize("view", VIEWS, ids=list(VIEWS))
def test_a_view_taken_inside_inference_mode_of_a_tensor_that_requires_grad_is_cut_off_from_the_graph_silently(
    view, base
):
    leaf = torch.ones(3, requires_grad=True)
    w = leaf if base == "a leaf" else leaf * 1
    with torch.inference_mode():
        v = VIEWS[view](w)
    assert not v.is_inference() and v.requires_grad and v.grad_fn is None
    (v * 3).sum().backward()  # no error
    assert leaf.grad is None  # nothing flowed back through v
    (VIEWS[view](w) * 3).sum().backward()  # the same view taken outside: the gradient arrives
    assert leaf.grad is not None and leaf.grad.abs().sum() > 0


def test_a_view_taken_inside_inference_mode_of_a_tensor_that_requires_no_grad_has_no_graph_to_lose():
    w = torch.ones(3)
    with torch.inference_mode():
        v = w[:2]
    assert not v.is_inference() and not v.requires_grad and v.grad_fn is None


def _doubled_with_grad(t):
    with torch.enable_grad():
        return t * 2


@torch.enable_grad()
def _decorated_double(t):
    return t * 2


@pytest.mark.parametrize("reopen", [_doubled_with_grad, _decorated_double], ids=["with enable_grad", "@enable_grad"])
def test_code_that_turns_grad_mode_back_on_inside_no_grad_is_recorded_but_not_inside_inference_mode(reopen):
    a = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        b = reopen(a)
        c = a * 2
    assert b.requires_grad and b.grad_fn is not None
    assert not c.requires_grad  # the rest of the block is still not recorded
    b.sum().backward()
    assert torch.equal(a.grad, torch.full((2,), 2.0))
    with torch.inference_mode():
        d = reopen(a)
    assert not d.requires_grad and d.grad_fn is None and d.is_inference()


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_the_view_and_enable_grad_sentences_hold_on_the_other_recorded_releases(release):
    script = """
import warnings; warnings.simplefilter("ignore")
import torch
w = torch.ones(3, requires_grad=True)
with torch.inference_mode():
    v = w[:2]
(v * 3).sum().backward()
print("view_cut_off", (not v.is_inference()) and v.requires_grad and v.grad_fn is None and w.grad is None)
with torch.no_grad():
    with torch.enable_grad():
        b = w * 2
print("enable_grad_records_in_no_grad", b.grad_fn is not None)
with torch.inference_mode():
    with torch.enable_grad():
        b = w * 2
print("enable_grad_records_in_inference_mode", b.requires_grad)
"""
    out = run_on(release, script).split()
    assert dict(zip(out[::2], out[1::2])) == {
        "view_cut_off": "True",
        "enable_grad_records_in_no_grad": "True",
        "enable_grad_records_in_inference_mode": "False",
    }


# --- the fifth review: grad mode per thread, every way of turning it back on, the version counter --------


def _in_a_new_thread(f):
    out = []
    thread = threading.Thread(target=lambda: out.append((f(), torch.is_grad_enabled())))
    thread.start()
    thread.join()
    return out[0]


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_a_thread_started_inside_no_grad_or_inference_mode_records_its_operations_as_usual(mode):
    a = torch.ones(2, requires_grad=True)
    with mode():
        (in_thread, grad_mode_there) = _in_a_new_thread(lambda: a * 2)
        with ThreadPoolExecutor(max_workers=1) as pool:
            in_pool = pool.submit(lambda: a * 3).result()
        here = a * 2
        assert not torch.is_grad_enabled()  # the calling thread is still off
    assert grad_mode_there
    assert here.grad_fn is None
    for result in (in_thread, in_pool):
        assert result.requires_grad and result.grad_fn is not None and not result.is_inference()
    (in_thread + in_pool).sum().backward()
    assert torch.equal(a.grad, torch.full((2,), 5.0))  # the graphs built in the threads are real


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_a_thread_started_before_the_block_is_not_affected_by_it_either(mode):
    a = torch.ones(2, requires_grad=True)
    go, done, out = threading.Event(), threading.Event(), []

    def worker():
        go.wait()
        out.append(a * 2)
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    with mode():
        go.set()
        done.wait()
    thread.join()
    assert out[0].grad_fn is not None


REOPEN = {
    "with enable_grad": torch.enable_grad,
    "set_grad_enabled(True)": lambda: torch.set_grad_enabled(True),
    "inference_mode(False)": lambda: torch.inference_mode(False),
}


@pytest.mark.parametrize("reopen", REOPEN, ids=list(REOPEN))
def test_any_code_that_turns_grad_mode_back_on_inside_no_grad_is_recorded(reopen):
    a = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        with REOPEN[reopen]():
            assert torch.is_grad_enabled()
            b = a * 2
    assert b.grad_fn is not None


def test_a_backward_pass_with_create_graph_turns_grad_mode_back_on_inside_no_grad():
    x = torch.tensor(2.0, requires_grad=True)
    y = x**3
    seen = []
    y.grad_fn.register_prehook(lambda grads: seen.append(torch.is_grad_enabled()))
    with torch.no_grad():
        torch.autograd.grad(y, x, create_graph=True, retain_graph=True)
        torch.autograd.grad(y, x)
    assert seen == [True, False]


def test_inside_inference_mode_inference_mode_false_records_where_enable_grad_does_not():
    a = torch.ones(2, requires_grad=True)
    with torch.inference_mode():
        with torch.set_grad_enabled(True):
            quiet = a * 2
        with torch.inference_mode(False):
            recorded = a * 2
    assert quiet.grad_fn is None and quiet.is_inference()
    assert recorded.grad_fn is not None and not recorded.is_inference()
    recorded.sum().backward()
    assert torch.equal(a.grad, torch.full((2,), 2.0))


def test_one_in_place_statement_can_increase_the_shared_version_counter_by_more_than_one():
    # Why the box says the counter "increases" and not "goes up by one": x[0] += 1 is add_ on a view, then copy_.
    a = torch.ones(3, requires_grad=True)
    b = a.exp()
    c = b.detach()
    c[0] += 1
    assert b._version == c._version == 2
    c.mul_(1)
    assert b._version == 3


THREADS_ON_RELEASE = """
import threading, torch
a = torch.ones(2, requires_grad=True)
for name, mode in (("no_grad", torch.no_grad), ("inference_mode", torch.inference_mode)):
    out = []
    with mode():
        t = threading.Thread(target=lambda: out.append(a * 2)); t.start(); t.join()
        with torch.inference_mode(False):
            reopened = a * 2
    print(name + "_thread_records", out[0].grad_fn is not None and not out[0].is_inference())
    print(name + "_inference_mode_false_records", reopened.grad_fn is not None)
b = a.exp(); c = b.detach(); c[0] += 1; print("setitem_plus_equals_counts", b._version)
"""


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_the_thread_and_inference_mode_false_sentences_hold_on_the_other_recorded_releases(release):
    out = run_on(release, THREADS_ON_RELEASE).split()
    assert dict(zip(out[::2], out[1::2])) == {
        "no_grad_thread_records": "True",
        "no_grad_inference_mode_false_records": "True",
        "inference_mode_thread_records": "True",
        "inference_mode_inference_mode_false_records": "True",
        "setitem_plus_equals_counts": "2",
    }


# --- review r6: "a thread you start yourself ... records as usual; PyTorch helpers that hand work to other threads
# (nn.DataParallel, torch.jit.fork) carry the block's grad mode along" (also grad-modes.md) ---------------------


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_torch_jit_fork_runs_its_task_on_another_thread_with_the_block_s_grad_mode(mode):
    seen = []
    main = threading.get_ident()

    @torch.jit.ignore
    def probe(t: torch.Tensor) -> torch.Tensor:
        r = t * 2
        seen.append((threading.get_ident() != main, torch.is_grad_enabled(), r.grad_fn is None))
        return r

    def inner(t):
        return probe(t)

    def outer(t):
        return torch.jit.wait(torch.jit.fork(inner, t))

    a = torch.ones(2, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit.script is deprecated, and still works
        inner = torch.jit.script(inner)
        outer = torch.jit.script(outer)
        with mode():
            outer(a)
        outer(a)  # outside the block the forked task records
    assert seen == [(True, False, True), (True, True, False)]


def test_data_parallel_s_parallel_apply_carries_the_block_s_grad_mode_into_its_threads(monkeypatch):
    import contextlib
    import importlib

    pa = importlib.import_module("torch.nn.parallel.parallel_apply")  # the module; the package exports the function

    # This machine has no GPU: stub the accelerator calls parallel_apply makes, so it runs its threads on the CPU.
    monkeypatch.setattr(torch.accelerator, "is_available", lambda: True)
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda *a: torch.device("cpu"))
    monkeypatch.setattr(torch.accelerator, "current_stream", lambda *a: contextlib.nullcontext())
    monkeypatch.setattr(torch.accelerator, "device_index", lambda *a: contextlib.nullcontext())
    lin = torch.nn.Linear(2, 2)
    main, seen = threading.get_ident(), []
    lin.register_forward_hook(
        lambda m, i, o: seen.append((threading.get_ident() != main, torch.is_grad_enabled(), o.grad_fn is None))
    )
    x = torch.ones(1, 2)
    with torch.no_grad():
        pa.parallel_apply([lin, lin], [(x,), (x,)], devices=[0, 0])
    assert seen == [(True, False, True)] * 2
    seen.clear()
    pa.parallel_apply([lin, lin], [(x,), (x,)], devices=[0, 0])
    assert seen == [(True, True, False)] * 2
