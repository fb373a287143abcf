"""Claims of docs/*/backward-twice.md that its printed outputs do not show."""

from __future__ import annotations

import inspect
import warnings

import pytest
import torch
from autograd_probes import count_saved_tensors
from other_releases import OTHER_RELEASES, run_on

SECOND_TIME = "Trying to backward through the graph a second time"


def lesson_x():
    return torch.arange(4.0, requires_grad=True)


def test_third_call_raises_when_only_the_first_retained_the_graph():
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        y.backward()
    assert torch.equal(x.grad, 8 * x)  # the failed third call added nothing


@pytest.mark.parametrize("walks", [2, 3, 4])
def test_retaining_on_the_first_n_minus_1_calls_allows_n_walks(walks):
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    for _ in range(walks - 1):
        y.backward(retain_graph=True)
    y.backward()
    assert torch.equal(x.grad, 4 * walks * x)


def test_rerunning_a_cell_that_also_creates_x_gives_4x_every_time():
    for _ in range(3):
        x = lesson_x()
        y = 2 * torch.dot(x, x)
        y.backward()
        assert torch.equal(x.grad, 4 * x)


def test_backward_of_parts_adds_up_to_the_gradient_of_the_sum():
    gen = torch.Generator().manual_seed(0)
    data = torch.randn(8, 4, generator=gen)
    w = torch.randn(4, generator=gen, requires_grad=True)
    (data @ w).pow(2).sum().backward()
    whole = w.grad.clone()
    w.grad = None
    for part in data.split(4):
        (part @ w).pow(2).sum().backward()
    torch.testing.assert_close(w.grad, whole)


def test_zero_grad_defaults_to_none_and_can_fill_zeros():
    assert inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default is True
    x = lesson_x()
    optimizer = torch.optim.SGD([x], lr=0.1)
    (2 * torch.dot(x, x)).backward()
    optimizer.zero_grad(set_to_none=False)
    assert x.grad is not None and torch.equal(x.grad, torch.zeros(4))


def test_after_set_to_none_the_next_backward_gives_the_plain_gradient():
    x = lesson_x()
    optimizer = torch.optim.SGD([x], lr=0.1)
    (2 * torch.dot(x, x)).backward()
    optimizer.zero_grad()
    assert x.grad is None
    (2 * torch.dot(x, x)).backward()
    assert torch.equal(x.grad, 4 * x)


def test_sum_saves_nothing_and_survives_many_walks():
    x = lesson_x()
    assert count_saved_tensors(lambda: x.sum()) == 0
    y = x.sum()
    for _ in range(5):
        y.backward()
    assert torch.equal(x.grad, torch.full((4,), 5.0))


@pytest.mark.parametrize(
    "build",
    [lambda x: 2 * x.sum(), lambda x: (2 * x).sum(), lambda x: x.sum() * 2],
    ids=["2*sum", "sum(2*x)", "sum*2"],
)
def test_multiplying_by_a_constant_breaks_the_second_walk(build):
    x = lesson_x()
    y = build(x)
    y.backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        y.backward()
    assert torch.equal(x.grad, torch.full((4,), 2.0))


# "optimizer.zero_grad() is called at the start of each training step, before backward()."


def test_zero_grad_before_backward_lets_step_move_the_parameter():
    p = torch.nn.Parameter(torch.ones(2))
    optimizer = torch.optim.SGD([p], lr=0.1)
    for _ in range(2):
        optimizer.zero_grad()
        (p * p).sum().backward()
        optimizer.step()
    assert torch.allclose(p.detach(), torch.full((2,), 0.8**2))


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_between_backward_and_step_wipes_the_gradient_so_step_moves_nothing(set_to_none):
    p = torch.nn.Parameter(torch.ones(2))
    optimizer = torch.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    optimizer.zero_grad(set_to_none=set_to_none)
    optimizer.step()
    assert torch.equal(p.detach(), torch.ones(2))


def test_plain_sgd_does_not_move_a_zero_gradient():
    a = torch.ones(2, requires_grad=True)
    optimizer = torch.optim.SGD([a], lr=0.1)
    a.grad = torch.zeros(2)
    optimizer.step()
    assert torch.equal(a.detach(), torch.ones(2))


def test_autograd_grad_returns_the_gradient_and_leaves_existing_grad_untouched():
    x = lesson_x()
    (2 * torch.dot(x, x)).backward()
    before = x.grad.clone()
    (g,) = torch.autograd.grad(2 * torch.dot(x, x), x)
    assert torch.equal(g, 4 * x.detach())
    assert torch.equal(x.grad, before)


# "writes nothing into the .grad of leaves ... One exception: a non-leaf on the way that called retain_grad()
# still gets, and accumulates, its .grad."


@pytest.mark.parametrize("create_graph", [False, True])
def test_autograd_grad_writes_into_no_leafs_grad_whether_or_not_the_leaf_is_an_input(create_graph):
    w = torch.ones(4, requires_grad=True)
    x = lesson_x()
    x.retain_grad()  # a no-op on a leaf
    y = ((w * x) ** 2).sum()
    torch.autograd.grad(y, x, create_graph=create_graph, retain_graph=True)
    torch.autograd.grad(y, [x, w], create_graph=create_graph)
    assert w.grad is None and x.grad is None


@pytest.mark.parametrize("create_graph", [False, True])
def test_autograd_grad_fills_and_accumulates_the_grad_of_a_non_leaf_on_the_way_that_called_retain_grad(create_graph):
    x = lesson_x()
    h = 2 * x
    h.retain_grad()
    y = torch.dot(h, h)
    torch.autograd.grad(y, x, create_graph=create_graph, retain_graph=True)
    assert torch.equal(h.grad.detach(), 2 * h.detach()) and x.grad is None
    torch.autograd.grad(y, x, create_graph=create_graph)
    assert torch.equal(h.grad.detach(), 4 * h.detach())


def test_autograd_grad_leaves_a_non_leaf_that_did_not_call_retain_grad_without_grad():
    x = lesson_x()
    h = 2 * x
    torch.autograd.grad(torch.dot(h, h), x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading .grad of a non-leaf warns
        assert h.grad is None


def test_autograd_grad_frees_the_graph_like_backward_unless_retained():
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    torch.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        torch.autograd.grad(y, x)
    y = 2 * torch.dot(x, x)
    torch.autograd.grad(y, x, retain_graph=True)
    torch.autograd.grad(y, x)


def test_create_graph_gives_a_differentiable_gradient():
    x = lesson_x()
    (g,) = torch.autograd.grad(2 * torch.dot(x, x), x)
    assert g.grad_fn is None and not g.requires_grad
    (g,) = torch.autograd.grad(2 * torch.dot(x, x), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    assert torch.equal(h, torch.full((4,), 4.0))


# "With create_graph=True the backward pass itself is recorded in the graph, so the gradient gets a grad_fn of its own
# and can be differentiated again (exceptions: the box below)": x**3 at 3 gives 27, then 18.


@pytest.mark.parametrize("point", [3.0, 0.0, -2.0])
def test_the_second_derivative_of_x_cubed_is_6x_also_at_zero(point):
    x = torch.tensor(point, requires_grad=True)
    (dy,) = torch.autograd.grad(x**3, x, create_graph=True)
    assert dy.grad_fn is not None and dy.item() == 3 * point**2
    (d2y,) = torch.autograd.grad(dy, x)
    assert d2y.item() == 6 * point


def test_a_second_derivative_by_backward_writes_into_x_grad_like_the_exercise():
    x = torch.tensor(2.0, requires_grad=True)
    (g,) = torch.autograd.grad(x**4, x, create_graph=True)
    assert x.grad is None  # autograd.grad left .grad alone, so nothing accumulates
    g.backward()
    assert g.item() == 32.0 and x.grad.item() == 48.0 and x.grad.grad_fn is None


# The folded box "gradients that cannot be differentiated again": "Even with create_graph=True, these gradients carry
# no grad_fn, and differentiating them raises: one computed from no tensor that requires grad (x.sum()); one that uses
# x only through a comparison (x * (x > 0)), while torch.relu(x), the same function, gives a grad_fn; one computed
# inside torch.inference_mode(). And a few operations have a backward that is not differentiable itself, such as
# multi_margin_loss: its gradient carries a grad_fn, but differentiating it raises a RuntimeError saying that the
# derivative is not implemented."


@pytest.mark.parametrize(
    "build",
    [lambda x: x.sum(), lambda x: (2 * x).sum(), lambda x: x.mean(), lambda x: (torch.arange(4.0) * x).sum()],
    ids=["sum", "2x", "mean", "constant*x"],
)
def test_a_gradient_computed_from_no_tensor_that_requires_grad_has_no_grad_fn_even_with_create_graph(build):
    x = lesson_x()
    (g,) = torch.autograd.grad(build(x), x, create_graph=True)
    assert g.grad_fn is None and not g.requires_grad


@pytest.mark.parametrize("mode", ["plain", "no_grad", "inference_mode"])
def test_each_gradient_of_the_box_has_no_grad_fn_and_differentiating_it_raises(mode):
    x = lesson_x()
    builds = (
        [lambda x: x.sum(), lambda x: (x * (x > 0)).sum()] if mode != "inference_mode" else [lambda x: (x**3).sum()]
    )
    for build in builds:
        y = build(x)
        context = {"plain": torch.enable_grad, "no_grad": torch.no_grad, "inference_mode": torch.inference_mode}[mode]
        with context():
            (g,) = torch.autograd.grad(y, x, create_graph=True)
        assert g.grad_fn is None and not g.requires_grad
        with pytest.raises(RuntimeError, match="does not require grad"):
            torch.autograd.grad(g.sum(), x)


@pytest.mark.parametrize("values", [[0.0, 1.0, 2.0, 3.0], [-1.0, 2.0, 0.0, -3.0]], ids=["0123", "signs"])
def test_the_mask_gradient_has_no_grad_fn_but_relu_the_same_function_has_one(values):
    x = torch.tensor(values, requires_grad=True)
    assert torch.equal(x * (x > 0), torch.relu(x))
    (masked,) = torch.autograd.grad((x * (x > 0)).sum(), x, create_graph=True)
    (relu,) = torch.autograd.grad(torch.relu(x).sum(), x, create_graph=True)
    assert torch.equal(masked, (x > 0).float()) and torch.equal(relu.detach(), masked)
    assert masked.grad_fn is None and relu.grad_fn is not None
    (second,) = torch.autograd.grad(relu.sum(), x)
    assert torch.equal(second, torch.zeros(4))


def test_a_comparison_records_nothing():
    x = lesson_x()
    for compared in (x > 0, x == 1, x.argmax()):
        assert compared.grad_fn is None and not compared.requires_grad


def test_multi_margin_loss_gives_a_gradient_with_a_grad_fn_whose_derivative_is_not_implemented():
    scores = torch.randn(3, 5, generator=torch.Generator().manual_seed(0), requires_grad=True)
    loss = torch.nn.functional.multi_margin_loss(scores, torch.tensor([1, 0, 4]))
    (g,) = torch.autograd.grad(loss, scores, create_graph=True)
    assert g.grad_fn is not None
    with pytest.raises(RuntimeError, match="derivative for .*multi_margin_loss_backward is not implemented"):
        torch.autograd.grad(g.sum(), scores)


def test_a_gradient_that_does_not_depend_on_x_has_a_grad_fn_when_computed_from_another_tensor_that_requires_grad():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    x = torch.tensor([3.0, 4.0], requires_grad=True)
    (g,) = torch.autograd.grad((w * x).sum(), x, create_graph=True)
    assert torch.equal(g.detach(), w.detach()) and g.grad_fn is not None  # the gradient is w: no x in it
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad(g.sum(), x)
    (gw,) = torch.autograd.grad(g.sum(), w)
    assert torch.equal(gw, torch.ones(2))


def test_a_gradient_that_depends_on_x_has_a_grad_fn_with_create_graph_also_through_relu():
    x = lesson_x()
    for build in (lambda x: (x**3).sum(), lambda x: torch.relu(x).sum(), lambda x: 2 * torch.dot(x, x)):
        (g,) = torch.autograd.grad(build(x), x, create_graph=True)
        assert g.requires_grad and g.grad_fn is not None


def test_create_graph_records_the_backward_pass_even_inside_no_grad_but_not_inside_inference_mode():
    x = torch.tensor(3.0, requires_grad=True)
    y = x**3
    with torch.no_grad():
        (g,) = torch.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    y = x**3
    with torch.inference_mode():
        (g,) = torch.autograd.grad(y, x, create_graph=True)
    assert not g.requires_grad and g.grad_fn is None


def test_backward_with_create_graph_stores_a_gradient_that_has_a_grad_fn():
    x = torch.tensor(3.0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns of the reference cycle once per process
        (x**3).backward(create_graph=True)
    assert x.grad.item() == 27.0 and x.grad.requires_grad and x.grad.grad_fn is not None
    (d2,) = torch.autograd.grad(x.grad, x)
    assert d2.item() == 18.0


# --- the rules the page states, tried on the cases that break rules ----------------------------


def second_call(build, x=None):
    """(raised?, x.grad after the second call) for a second y.backward() without retain_graph."""
    x = lesson_x() if x is None else x
    y = build(x)
    y.backward()
    try:
        y.backward()
    except RuntimeError as error:
        assert SECOND_TIME in str(error)
        return True, x.grad.clone()
    return False, x.grad.clone()


@pytest.mark.parametrize(
    "build, once",
    [
        (lambda x: x.sum(), 1.0),
        (lambda x: (x + 1).sum(), 1.0),
        (lambda x: x.mean(), 0.25),
        (lambda x: (-x).sum(), -1.0),
        (lambda x: x.sum() + x.sum(), 2.0),
    ],
    ids=["sum", "(x+1).sum", "mean", "(-x).sum", "sum+sum"],
)
def test_a_second_backward_through_a_graph_that_saved_nothing_accumulates(build, once):
    raised, grad = second_call(build)
    assert not raised and torch.equal(grad, torch.full((4,), 2 * once))


@pytest.mark.parametrize(
    "build",
    [
        lambda x: 2 * torch.dot(x, x),
        lambda x: 2 * x.sum(),
        lambda x: x.sum() * 2,
        lambda x: (2 * x).sum(),
        lambda x: x.sum() / 2,
        lambda x: (x * x).sum(),
        lambda x: (x * x).mean(),
        lambda x: torch.relu(x).sum(),
        lambda x: (torch.arange(4.0) * x).sum(),
    ],
    ids=["2*dot", "2*sum", "sum*2", "sum(2x)", "sum/2", "sum(x*x)", "mean(x*x)", "relu", "constant*x"],
)
def test_a_second_backward_through_a_node_that_saved_a_tensor_raises_and_leaves_x_grad_alone(build):
    x = lesson_x()
    build(x).backward()
    first = x.grad.clone()
    x.grad = None
    raised, grad = second_call(build, x)
    assert raised and torch.equal(grad, first)


def test_zeros_in_x_do_not_change_which_graphs_raise():
    x = torch.zeros(4, requires_grad=True)
    assert second_call(lambda x: 2 * torch.dot(x, x), x)[0]
    x = torch.zeros(4, requires_grad=True)
    assert not second_call(lambda x: x.sum(), x)[0]


def test_saved_tensors_are_freed_during_the_pass_right_after_their_node_runs():
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(3, requires_grad=True)
    p = b * b
    y = p.exp().sum() + a.sum()
    node, seen = p.grad_fn, []

    def look(grad):  # fires while the pass is still running: a's branch has not finished yet
        try:
            node._saved_self
            seen.append("kept")
        except RuntimeError:
            seen.append("freed")
        return grad

    b.register_hook(look)
    y.backward()
    assert seen == ["freed"]


def test_a_second_call_that_walks_only_nodes_that_saved_nothing_succeeds():
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(3, requires_grad=True)
    y = (b * b).sum() + a.sum()
    y.backward()
    y.backward(inputs=[a])
    assert torch.equal(a.grad, torch.full((3,), 2.0)) and torch.equal(b.grad, torch.full((3,), 2.0))


def test_create_graph_keeps_the_graph_for_backward_and_for_autograd_grad():
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    torch.autograd.grad(y, x, create_graph=True)
    y.backward()
    assert torch.equal(x.grad, 4 * x.detach())
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns of the reference cycle once per process
        y.backward(create_graph=True)
    y.backward()
    assert torch.equal(x.grad.detach(), 8 * x.detach())


def test_create_graph_with_retain_graph_false_frees_the_graph():
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    torch.autograd.grad(y, x, create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        y.backward()


def test_a_graph_built_under_no_grad_or_inference_mode_cannot_be_walked_at_all():
    x = lesson_x()
    for mode in (torch.no_grad, torch.inference_mode):
        with mode():
            y = x.sum()
        assert y.grad_fn is None and not y.requires_grad
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.backward()


def test_a_non_differentiable_output_has_no_graph_to_walk():
    x = lesson_x()
    for y in ((x > 1).sum(), x.argmax()):
        assert not y.requires_grad
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.backward()


def test_a_constant_gets_no_grad_however_often_the_graph_is_walked():
    c = torch.arange(4.0)
    x = lesson_x()
    y = (c + x).sum()
    y.backward()
    y.backward()
    assert c.grad is None and torch.equal(x.grad, torch.full((4,), 2.0))


def test_rebuilding_the_graph_accumulates_4x_8x_12x_like_the_figure():
    from fig_accumulation import gradients_after_each_run

    xs, after = gradients_after_each_run()
    assert after == [[4 * k * v for v in xs] for k in (1, 2, 3)]
    from fig_accumulation import added_by_each_run

    assert added_by_each_run(after) == [[4 * v for v in xs]] * 3  # each stacked segment is 4x


def test_setting_grad_to_none_then_backward_writes_the_plain_gradient():
    x = lesson_x()
    (2 * torch.dot(x, x)).backward()
    x.grad = None
    (2 * torch.dot(x, x)).backward()
    assert torch.equal(x.grad, 4 * x.detach())


# --- where the second call stops, and when a node still has what it needs -----------------------


def test_the_second_call_raises_at_the_first_node_mul_before_dot_backward_runs():
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    mul = y.grad_fn
    dot = mul.next_functions[0][0]
    assert (mul.name(), dot.name()) == ("MulBackward0", "DotBackward0")
    assert torch.equal(mul._saved_other, torch.tensor(2))  # the factor 2
    y.backward()
    reached = []
    mul.register_prehook(lambda grads: reached.append("MulBackward0"))
    dot.register_prehook(lambda grads: reached.append("DotBackward0"))
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        y.backward()
    assert reached == ["MulBackward0"]  # DotBackward0 never runs: no gradient moved
    assert torch.equal(x.grad, 4 * x.detach())


# "each node lets go of its saved tensors right after it has run, to save memory: a tensor nothing else refers to is
# released; one that something else refers to, like x, lives on, but the node no longer has it."


def test_after_its_node_runs_a_saved_tensor_nothing_else_refers_to_is_released_while_x_lives_on():
    import gc
    import weakref

    x = lesson_x()
    saved = []

    def pack(tensor):
        saved.append(weakref.ref(tensor))
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        y = torch.exp(x * x).sum()  # MulBackward0 saves x twice, ExpBackward0 its output
    assert all(ref() is not None for ref in saved)
    y.backward()
    gc.collect()
    alive = [ref() for ref in saved]
    assert [tensor is x for tensor in alive] == [True, True, False] and alive[2] is None
    with pytest.raises(RuntimeError, match="after they have already been freed"):
        y.grad_fn.next_functions[0][0].next_functions[0][0]._saved_self  # the node no longer has x
    assert torch.equal(x.detach(), torch.arange(4.0))


def test_the_dot_node_no_longer_has_x_after_the_first_call_though_x_is_still_there():
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    dot = y.grad_fn.next_functions[0][0]
    assert dot._saved_self is x
    y.backward()
    with pytest.raises(RuntimeError, match="after they have already been freed"):
        dot._saved_self
    assert torch.equal(x.detach(), torch.arange(4.0))


# "A second call succeeds, adding the gradient once more, as long as every node it walks still has the tensors it
# needs, unchanged." Changed in between, it raises, or (through .data, which autograd does not see) adds another value.


def test_a_second_call_after_a_saved_tensor_was_changed_raises_or_adds_a_different_gradient():
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    y.backward(retain_graph=True)
    with torch.no_grad():
        x -= 0.1 * x.grad
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    x = lesson_x()
    y = 2 * torch.dot(x, x)
    y.backward(retain_graph=True)
    x.data.mul_(10)
    y.backward()
    assert torch.equal(x.grad, 4 * torch.arange(4.0) + 40 * torch.arange(4.0))  # not 8x of either x


def test_the_cell_prints_4x_then_8x_because_backward_returns_nothing():
    x = lesson_x()  # an earlier cell
    printed = []
    for _ in range(2):
        y = 2 * torch.dot(x, x)
        assert y.backward() is None
        printed.append(x.grad.clone())
    assert torch.equal(printed[0], 4 * x.detach()) and torch.equal(printed[1], 8 * x.detach())


def test_rerunning_a_cell_of_only_y_and_backward_gives_8x():
    x = lesson_x()  # an earlier cell

    def cell():
        y = 2 * torch.dot(x, x)
        y.backward()

    cell()
    cell()
    assert torch.equal(x.grad, 8 * x.detach())


# Exercise 2: "The derivative of x + 1 is 1, whatever number was added, so its node needs nothing, and (1)
# survives like x.sum(). The other three derivatives need a value: that of x/2, 1/2, needs the 2; that of x * x
# needs x; and e^x is its own derivative, so the node of exp saved its output. After the first call the nodes no
# longer have them, so the second call raises." Checked on 1.12.0, 2.0.1, 2.13.0 and 2.14.1 alike.


EXERCISE_2 = {
    "(x + 1).sum()": lambda x: (x + 1).sum(),
    "(x / 2).sum()": lambda x: (x / 2).sum(),
    "(x * x).sum()": lambda x: (x * x).sum(),
    "torch.exp(x).sum()": lambda x: torch.exp(x).sum(),
}


def test_exercise_2_adding_a_constant_saves_no_tensor_so_every_walk_adds_the_gradient_again():
    x = lesson_x()
    assert count_saved_tensors(lambda: EXERCISE_2["(x + 1).sum()"](x)) == 0
    y = EXERCISE_2["(x + 1).sum()"](x)
    for walks in (1, 2, 3):
        y.backward()
        assert torch.equal(x.grad, torch.full((4,), float(walks)))


@pytest.mark.parametrize("point", [lesson_x, lambda: torch.zeros(4, requires_grad=True)], ids=["0123", "zeros"])
def test_exercise_2_dividing_multiplying_and_exp_save_the_2_x_and_the_output_so_the_second_call_raises(point):
    x = point()
    halve = EXERCISE_2["(x / 2).sum()"](x).grad_fn.next_functions[0][0]
    assert halve.name() == "DivBackward0" and torch.equal(halve._saved_other, torch.tensor(2))
    square = EXERCISE_2["(x * x).sum()"](x).grad_fn.next_functions[0][0]
    assert square._saved_self is x and square._saved_other is x
    exp = EXERCISE_2["torch.exp(x).sum()"](x).grad_fn.next_functions[0][0]
    assert exp.name() == "ExpBackward0" and torch.equal(exp._saved_result, torch.exp(x.detach()))
    for name in ("(x / 2).sum()", "(x * x).sum()", "torch.exp(x).sum()"):
        assert second_call(EXERCISE_2[name], point())[0], name


def test_exercise_2_the_answer_prints_twice_then_raises_three_times():
    x = lesson_x()
    outcome = []
    for y in [build(x) for build in EXERCISE_2.values()]:
        y.backward()
        try:
            y.backward()
            outcome.append("twice")
        except RuntimeError:
            outcome.append("raises")
    assert outcome == ["twice", "raises", "raises", "raises"]


def test_exercise_2_a_value_kept_as_a_number_survives_so_mean_walks_twice_and_sum_over_4_raises():
    # The answer's condition: on the pinned torch, MeanBackward0 keeps the count as a number and
    # saves no tensor, while dividing by 4 saves the 4 as a tensor. Same function, same derivative.
    x = lesson_x()
    y = x.mean()
    assert not [
        name for name in dir(y.grad_fn) if name.startswith("_saved_") and torch.is_tensor(getattr(y.grad_fn, name))
    ]
    y.backward()
    y.backward()
    assert torch.equal(x.grad, torch.full((4,), 0.5))
    x.grad = None
    y = x.sum() / 4
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


# The folded box on optimizer.zero_grad(): "For a parameter the next backward() reaches, both give the same gradient.
# For one it does not reach, SGD skips a None gradient, but may still move a parameter whose gradient was filled with 0
# (with momentum or weight decay)."


def zero_grad_then_walk_only_w(set_to_none, create_graph=False, start=1.0, **sgd):
    """w and u after one step on (w * u).sum(), zero_grad, a backward that reaches only w, and a second step."""
    w = torch.nn.Parameter(torch.full((2,), start))
    u = torch.nn.Parameter(torch.tensor([start, 0.0]))  # a zero in the input too
    optimizer = torch.optim.SGD([w, u], lr=0.1, **sgd)
    (w * u).sum().backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=set_to_none)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # backward(create_graph=True) warns of a reference cycle
        (w * w * 3).sum().backward(create_graph=create_graph)
    before = u.detach().clone()
    optimizer.step()
    return w, u, before


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("start", [1.0, 0.0, -2.0])
def test_zero_grad_either_way_gives_the_same_gradient_to_a_parameter_the_next_backward_reaches(create_graph, start):
    w_none, _, _ = zero_grad_then_walk_only_w(True, create_graph, start, momentum=0.9)
    w_zero, _, _ = zero_grad_then_walk_only_w(False, create_graph, start, momentum=0.9)
    assert torch.equal(w_none.grad.detach(), w_zero.grad.detach())
    assert torch.equal(w_none.detach(), w_zero.detach())


@pytest.mark.parametrize("sgd", [{}, {"momentum": 0.9}, {"weight_decay": 0.1}], ids=["plain", "momentum", "decay"])
def test_sgd_skips_a_parameter_set_to_none_that_the_next_backward_does_not_reach(sgd):
    _, u, before = zero_grad_then_walk_only_w(True, **sgd)
    assert u.grad is None and torch.equal(u.detach(), before)


@pytest.mark.parametrize("sgd", [{"momentum": 0.9}, {"weight_decay": 0.1}], ids=["momentum", "decay"])
def test_sgd_with_momentum_or_weight_decay_moves_a_parameter_whose_zero_filled_gradient_the_next_backward_missed(sgd):
    _, u, before = zero_grad_then_walk_only_w(False, **sgd)
    assert torch.equal(u.grad, torch.zeros(2))
    assert not torch.equal(u.detach(), before)


def test_plain_sgd_does_not_move_a_parameter_whose_zero_filled_gradient_the_next_backward_missed():
    _, u, before = zero_grad_then_walk_only_w(False)  # so the box says "may still move"
    assert torch.equal(u.grad, torch.zeros(2)) and torch.equal(u.detach(), before)


ZERO_GRAD_ON_RELEASE = """
import torch
out = []
for set_to_none in (True, False):
    w = torch.nn.Parameter(torch.ones(2)); u = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.SGD([w, u], lr=0.1, momentum=0.9)
    (w * u).sum().backward(); opt.step(); opt.zero_grad(set_to_none=set_to_none)
    (w * 3).sum().backward()
    before = u.detach().clone(); opt.step()
    out.append((u.grad is None, bool(torch.equal(u.detach(), before)), w.grad.tolist()))
print(out)
"""


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_the_zero_grad_rules_hold_on_other_releases(release):
    out = run_on(release, ZERO_GRAD_ON_RELEASE).strip()
    assert out == "[(True, True, [3.0, 3.0]), (False, False, [3.0, 3.0])]"


# "`y.backward(inputs=[x])` still writes into `.grad`, but only into the tensors listed (leaves or not) and
# into the non-leaves that called `retain_grad()` on the way from `y` to them."


def test_backward_with_inputs_also_fills_a_listed_non_leaf_and_a_non_leaf_that_retains_its_grad():
    x = torch.arange(3.0, requires_grad=True)
    h = x * 2
    h.retain_grad()
    (h * h).sum().backward(inputs=[x])
    assert torch.equal(x.grad, torch.tensor([0.0, 8.0, 16.0])) and torch.equal(h.grad, torch.tensor([0.0, 4.0, 8.0]))
    x.grad = None
    g = x * 2  # no retain_grad(): only written because it is listed
    (g * g).sum().backward(inputs=[g])
    assert torch.equal(g.grad, torch.tensor([0.0, 4.0, 8.0])) and x.grad is None


@pytest.mark.parametrize("create_graph", [False, True])
def test_backward_with_inputs_accumulates_only_into_the_leaves_listed(create_graph):
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(3, requires_grad=True)
    c = torch.ones(3)  # a constant: never gets a .grad
    y = (a * b).sum() + (b * c).sum()
    y.backward(inputs=[a], retain_graph=True, create_graph=create_graph)
    assert torch.equal(a.grad, torch.ones(3)) and b.grad is None and c.grad is None
    y.backward(inputs=[a])
    assert torch.equal(a.grad, torch.full((3,), 2.0)) and b.grad is None
    with torch.no_grad():
        z = (a * a).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        z.backward(inputs=[a])  # under no_grad there is no graph to walk at all


def test_backward_with_inputs_leaves_a_retained_non_leaf_off_the_way_to_the_listed_tensors_without_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    z = torch.tensor([3.0, 4.0], requires_grad=True)
    h, k = x * 2, z * 3
    h.retain_grad()
    k.retain_grad()
    (h * k).sum().backward(inputs=[x])  # k is retained but not on the way from the loss to x
    assert torch.equal(h.grad, torch.tensor([9.0, 12.0])) and k.grad is None
    h = x * 2
    h.retain_grad()
    m = h * 3
    (m * m).sum().backward(inputs=[m])  # h sits below the listed tensor
    assert m.grad is not None and h.grad is None
