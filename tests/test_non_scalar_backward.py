"""Claims of docs/*/non-scalar-backward.md that the page's printed outputs do not show by themselves."""

from pathlib import Path

import pytest
import torch
from other_releases import OTHER_RELEASES, run_on
from torch.autograd.functional import jacobian


def g(x):
    return torch.stack([x[0] * x[1], x[1] ** 2, x[0] + 3 * x[2]])


def test_backward_v_is_the_vector_jacobian_product_v_transposed_times_j_for_random_inputs():
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        x = torch.randn(3, generator=gen, requires_grad=True)
        v = torch.randn(3, generator=gen)
        J = jacobian(g, x)
        g(x).backward(v)
        seeded = x.grad.clone()
        x.grad = None
        (v * g(x)).sum().backward()
        assert torch.allclose(seeded, x.grad)
        assert torch.allclose(seeded, J.T @ v)
        assert torch.allclose(seeded, v @ J)


@pytest.mark.parametrize(
    "loss, gradient",
    [
        (lambda y: (y**2).sum() / 2, lambda y: y),
        (lambda y: torch.sin(y).sum(), torch.cos),
        (lambda y: (torch.tensor([1.0, 0.5, -2.0]) * y).sum(), lambda y: torch.tensor([1.0, 0.5, -2.0])),
    ],
    ids=["half the sum of squares", "sum of sines", "weighted sum"],
)
def test_a_later_scalar_loss_gives_the_same_x_grad_as_y_backward_of_its_gradient_with_respect_to_y(loss, gradient):
    gen = torch.Generator().manual_seed(3)
    for x0 in [torch.tensor(X)] + [torch.randn(3, generator=gen) for _ in range(10)]:
        x = x0.clone().requires_grad_()
        y = g(x)
        (v,) = torch.autograd.grad(loss(y), y, retain_graph=True)  # v = dl/dy, as autograd computes it
        torch.testing.assert_close(v, gradient(y.detach()))
        loss(y).backward()
        through_l = x.grad.clone()
        x.grad = None
        g(x).backward(v)
        torch.testing.assert_close(through_l, x.grad)


def test_the_page_s_loss_example_gives_x_grad_14_18_30_both_ways():
    x = torch.tensor(X, requires_grad=True)
    y = g(x)
    assert torch.equal(y.detach(), torch.tensor([2.0, 4.0, 10.0]))
    ((y**2).sum() / 2).backward()
    assert torch.equal(x.grad, torch.tensor([14.0, 18.0, 30.0]))
    x.grad = None
    g(x).backward(torch.tensor([2.0, 4.0, 10.0]))
    assert torch.equal(x.grad, torch.tensor([14.0, 18.0, 30.0]))


def test_ones_equals_sum_and_mean_is_smaller_by_the_element_count():
    gen = torch.Generator().manual_seed(1)
    for _ in range(20):
        x = torch.randn(3, generator=gen, requires_grad=True)
        g(x).backward(torch.ones(3))
        ones = x.grad.clone()
        x.grad = None
        g(x).sum().backward()
        assert torch.equal(ones, x.grad)
        x.grad = None
        g(x).mean().backward()
        assert torch.allclose(ones, 3 * x.grad)


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_one_element_outputs_need_no_argument(shape):
    t = torch.full(shape, 2.0, requires_grad=True)
    (t * t).backward()
    assert torch.equal(t.grad, torch.full(shape, 4.0))


def test_more_than_one_element_needs_an_argument():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        g(x).backward()


@pytest.mark.parametrize("shape", [(4,), (), (1, 3)])
def test_v_is_not_broadcast(shape):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    message = f"Mismatch in shape: grad_output[0] has a shape of torch.Size({list(shape)}) and output[0] has a shape of torch.Size([3])."
    with pytest.raises(RuntimeError) as info:
        g(x).backward(torch.ones(shape))
    assert str(info.value) == message


def test_graph_survives_the_refused_calls():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = g(x)
    with pytest.raises(RuntimeError):
        y.backward()
    with pytest.raises(RuntimeError):
        y.backward(torch.ones(4))
    assert x.grad is None
    y.backward(torch.ones_like(y))
    assert torch.equal(x.grad, torch.tensor([3.0, 5.0, 3.0]))


def test_jacobian_runs_one_backward_pass_per_output_element(monkeypatch):
    calls = []
    original = torch.autograd.grad

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(torch.autograd, "grad", counting)
    x = torch.tensor([1.0, 2.0, 3.0])
    J = jacobian(g, x)
    assert len(calls) == 3 == J.shape[0]


# --- the rules the page states, tried on the cases that break rules ----------------------------

X = (1.0, 2.0, 3.0)


@pytest.mark.parametrize("i", range(3))
def test_backward_of_the_i_th_unit_vector_gives_row_i_of_the_jacobian(i):
    x = torch.tensor(X, requires_grad=True)
    J = jacobian(g, x.detach())
    e = torch.zeros(3)
    e[i] = 1.0
    g(x).backward(e)
    assert torch.equal(x.grad, J[i])
    xi = torch.tensor(X, requires_grad=True)  # the same numbers: the gradient of y_i alone
    g(xi)[i].backward()
    assert torch.equal(xi.grad, J[i])
    if i == 0:
        assert not torch.equal(x.grad, J[:, 0])  # a row, not a column: J is not symmetric


@pytest.mark.parametrize(
    "f, point",
    [
        (torch.sin, (0.0, 1.0, 2.0)),
        (lambda s: s * s, (0.0, -1.0, 2.0)),
        (torch.exp, (0.0, 0.0, 0.0)),
        (torch.relu, (-1.0, 0.0, 2.0)),
    ],
    ids=["sin", "x*x with a zero", "exp at zeros", "relu at a kink"],
)
def test_for_an_elementwise_function_the_column_sum_is_the_diagonal(f, point):
    s = torch.tensor(point, requires_grad=True)
    J = jacobian(f, s.detach())
    assert torch.equal(J, torch.diag(torch.diagonal(J)))
    f(s).backward(torch.ones(3))
    assert torch.equal(s.grad, torch.diagonal(J))


def test_sin_with_ones_gives_cos_as_the_page_prints():
    s = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    torch.sin(s).backward(torch.ones(3))
    assert torch.equal(s.grad, torch.cos(torch.tensor([0.0, 1.0, 2.0])))


def test_a_broadcast_elementwise_product_is_not_diagonal_in_its_smaller_input():
    w = torch.tensor([2.0], requires_grad=True)
    x = torch.tensor(X)
    y = x * w  # every y_i depends on the one w
    y.backward(torch.ones_like(y))
    assert w.grad.item() == sum(X)


def test_a_non_diagonal_jacobian_can_still_have_column_sums_equal_to_its_diagonal():
    # So the page says "when J is diagonal", not "only when".
    def h(x):
        return torch.stack([x[0] + x[1], x[1] - x[0], x[0] - x[1]])

    J = jacobian(h, torch.tensor([1.0, 1.0]))  # [[1, 1], [-1, 1], [1, -1]]
    assert not torch.equal(J[:2], torch.diag(torch.diagonal(J)))
    assert torch.equal(J.sum(dim=0), torch.diagonal(J))


def test_the_mean_is_the_column_sum_divided_by_the_element_count():
    x = torch.tensor(X, requires_grad=True)
    g(x).mean().backward()
    torch.testing.assert_close(x.grad, jacobian(g, x.detach()).sum(dim=0) / 3)


def test_a_matrix_times_a_vector_has_the_matrix_as_its_jacobian_whatever_x():
    A = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    for x0 in (torch.ones(3), torch.zeros(3), torch.tensor([-1.0, 7.0, 0.5])):
        assert torch.equal(jacobian(lambda x: A @ x, x0), A)
        x = x0.clone().requires_grad_()
        y = A @ x
        y.backward(torch.ones_like(y))
        assert torch.equal(x.grad, A.sum(dim=0))


@pytest.mark.parametrize("shape", [(2,), (3, 1), (1, 2)])
def test_more_than_one_element_of_any_shape_needs_an_argument(shape):
    t = torch.ones(shape, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (t * t).backward()


def test_a_one_element_output_with_create_graph_still_needs_no_argument():
    t = torch.tensor([2.0], requires_grad=True)
    (g1,) = torch.autograd.grad(t * t, t, create_graph=True)
    g1.backward()
    assert torch.equal(t.grad, torch.tensor([2.0]))


def test_non_differentiable_and_no_grad_outputs_fail_for_another_reason_than_the_seed():
    x = torch.tensor(X, requires_grad=True)
    for y in ((x > 1).float(), x.argmax().float()):
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.backward(torch.ones_like(y))
    with torch.no_grad():
        y = g(x)
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward(torch.ones_like(y))


def test_a_constant_input_gets_no_gradient_from_backward_v():
    c = torch.tensor(X)
    x = torch.tensor(X, requires_grad=True)
    y = c * x
    y.backward(torch.ones_like(y))
    assert c.grad is None and torch.equal(x.grad, c)


def test_the_figure_shows_what_backward_leaves_in_x_grad():
    from fig_jacobian import numbers

    J, weighted, grads = numbers()
    assert J == [[2.0, 1.0, 0.0], [0.0, 4.0, 0.0], [1.0, 0.0, 3.0]]
    assert grads == [[0.0, 3.0, -6.0], [3.0, 5.0, 3.0]]
    # The weighted rows v_i * J[i] the left panel draws, as the alt text lists them, and their column sums are x.grad.
    assert weighted == [[2.0, 1.0, 0.0], [0.0, 2.0, 0.0], [-2.0, 0.0, -6.0]]
    assert [sum(column) for column in zip(*weighted)] == grads[0]
    assert all(f"{value:g}" != "-0" for row in weighted for value in row)


# --- the review's cases: zeros in the input, autograd.grad, complex outputs, batched rows ---------


def test_a_zero_in_the_input_leaves_a_column_of_a_diagonal_jacobian_without_nonzero():
    t = torch.tensor([0.0, 1.0, 2.0])
    J = jacobian(lambda s: s * s, t)
    assert torch.count_nonzero(J[:, 0]) == 0
    assert torch.equal(J - torch.diag(torch.diagonal(J)), torch.zeros(3, 3))  # every entry off the diagonal is 0
    assert all(torch.count_nonzero(J[:, j]) <= 1 for j in range(3))
    assert torch.equal(J.sum(dim=0), torch.diagonal(J))


def test_autograd_grad_without_grad_outputs_needs_one_element_too():
    x = torch.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        torch.autograd.grad(g(x), x)
    (row,) = torch.autograd.grad(g(x)[0], x)
    assert torch.equal(row, torch.tensor([2.0, 1.0, 0.0]))


@pytest.mark.parametrize("shape", [(), (1,)])
def test_a_complex_output_with_one_element_still_needs_an_argument(shape):
    z = torch.full(shape, 1 + 2j, requires_grad=True)
    with pytest.raises(RuntimeError, match="only for real scalar outputs"):
        (z * z).backward()
    with pytest.raises(RuntimeError, match="only for real scalar outputs"):
        torch.autograd.grad(z * z, z)
    (z * z).backward(torch.ones(shape, dtype=z.dtype))
    assert z.grad is not None


def test_batched_seeds_give_every_row_of_j_in_one_call(monkeypatch):
    x = torch.tensor(X, requires_grad=True)
    J = jacobian(g, x.detach())
    (rows,) = torch.autograd.grad(g(x), x, torch.eye(3), is_grads_batched=True)
    assert torch.equal(rows, J)
    calls = []
    original = torch.autograd.grad

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(torch.autograd, "grad", counting)
    assert torch.equal(jacobian(g, x.detach(), vectorize=True), J)
    assert len(calls) == 1


def test_the_figure_labels_use_the_colon_of_their_language():
    from fig_jacobian import WORDS

    assert WORDS["zh"]["diagonal"].endswith("：") and ":" not in WORDS["zh"]["diagonal"]
    assert WORDS["en"]["diagonal"].endswith(": ")


# --- the review of the complex, "same x.grad" and D2L sentences ---------------------------------

ROOT = Path(__file__).resolve().parent.parent

ON_RELEASE = """
import torch
z = torch.tensor(1 + 2j, requires_grad=True)
try:
    (z * z).backward()
    print(z.grad)
except RuntimeError as e:
    print(type(e).__name__)
"""


@pytest.mark.parametrize(
    "release, printed", [("2.14.1", "RuntimeError"), ("2.0.1", "tensor(2.-4.j)"), ("1.12.0", "tensor(2.-4.j)")]
)
def test_backward_without_an_argument_refuses_a_complex_one_element_output_but_torch_2_0_and_1_12_accept_it(
    release, printed
):
    out = run_on(release, ON_RELEASE).strip()
    assert out == printed


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 1)])
def test_any_shape_with_one_element_needs_no_argument_not_only_the_two_named(shape):
    t = torch.full(shape, 3.0, requires_grad=True)
    (t * t).backward()
    assert torch.equal(t.grad, torch.full(shape, 6.0))


def test_backward_v_and_the_sum_of_v_times_y_leave_the_same_x_grad_but_only_the_sum_differentiates_a_v_that_requires_grad():
    x = torch.tensor(X, requires_grad=True)
    v = torch.tensor([1.0, 0.5, -2.0], requires_grad=True)
    g(x).backward(v)
    seeded = x.grad.clone()
    assert v.grad is None
    x.grad = None
    (v * g(x)).sum().backward()
    assert torch.equal(seeded, x.grad) and torch.equal(seeded, torch.tensor([0.0, 3.0, -6.0]))
    assert torch.equal(v.grad, torch.tensor([2.0, 4.0, 10.0]))  # the values of y: not the same call


def test_d2l_s_gradient_of_ones_of_len_y_is_ones_like_y_and_gives_the_gradient_of_y_sum():
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    assert torch.equal(torch.ones(len(y)), torch.ones_like(y))
    y.backward(gradient=torch.ones(len(y)))  # D2L
    d2l = x.grad.clone()
    x.grad = None
    (x * x).sum().backward()  # D2L-zh
    assert torch.equal(d2l, x.grad) and torch.equal(d2l, 2 * x.detach())
    x.grad = None
    (x * x).backward(torch.ones(len(y)))  # gradient is the name of the first argument
    assert torch.equal(d2l, x.grad)


def test_row_0_of_j_is_the_gradient_of_y_0_worked_out_by_hand():
    x = torch.tensor(X, requires_grad=True)
    J = jacobian(g, x.detach())
    assert torch.equal(J[0], torch.tensor([X[1], X[0], 0.0])) and torch.equal(J[0], torch.tensor([2.0, 1.0, 0.0]))


# The folded box on torch.ones(len(y)): "With the default settings torch.ones(len(y)) is a float32 tensor on the CPU,
# whatever y is, while torch.ones_like(y) takes the shape, dtype and device of y. For a real y of another dtype
# (float64, say) backward casts the former to the dtype of y, and the result is the same; for a complex y, or one on a
# GPU, the former raises, and ones_like works. And len(y) is only the length of dimension 0, so y must also be a
# vector." This machine has no GPU: the meta device stands in, through the same device check of the engine.


@pytest.mark.parametrize(
    "dtype, device",
    [(torch.float32, "cpu"), (torch.float64, "cpu"), (torch.cfloat, "cpu"), (torch.float32, "meta")],
)
def test_ones_of_len_y_is_float32_on_the_cpu_whatever_y_while_ones_like_takes_y_s_shape_dtype_and_device(dtype, device):
    y = torch.ones(3, dtype=dtype, device=device, requires_grad=True) * 2
    seed = torch.ones(len(y))
    assert (seed.dtype, seed.device.type) == (torch.float32, "cpu")
    like = torch.ones_like(y)
    assert (like.shape, like.dtype, like.device) == (y.shape, y.dtype, y.device)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("start", [0.0, 1.0], ids=["zeros", "ones"])
def test_for_a_real_y_of_another_dtype_backward_casts_ones_of_len_y_and_gives_the_same_x_grad_as_ones_like(
    dtype, start
):
    grads = []
    for make_seed in (lambda y: torch.ones(len(y)), torch.ones_like):
        x = (torch.arange(4.0) + start).to(dtype).requires_grad_()
        y = x * x
        y.backward(make_seed(y))
        grads.append(x.grad)
    assert grads[0].dtype == dtype and torch.equal(grads[0], grads[1])


@pytest.mark.parametrize(
    "dtype, device, message",
    [
        (torch.cfloat, "cpu", "For complex Tensors, both grad_output and output are required to have the same dtype"),
        (torch.float32, "meta", "invalid gradient at index 0 - expected device meta but got cpu"),
    ],
    ids=["complex", "another device"],
)
def test_for_a_complex_y_or_one_on_another_device_ones_of_len_y_raises_and_ones_like_works(dtype, device, message):
    x = torch.ones(3, dtype=dtype, device=device, requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match=message):
        y.backward(torch.ones(len(y)))
    y.backward(torch.ones_like(y))
    assert x.grad.dtype == dtype and x.grad.device == x.device and x.grad.shape == x.shape


def test_len_y_is_the_length_of_dimension_0_so_for_a_matrix_y_ones_of_len_y_has_the_wrong_shape():
    x = torch.ones(2, 3, requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        y.backward(torch.ones(len(y)))
    y.backward(torch.ones_like(y))
    assert torch.equal(x.grad, torch.full((2, 3), 2.0))


ONES_OF_LEN = """
import torch
out = []
for dtype, device in ((torch.cfloat, "cpu"), (torch.float32, "meta")):
    x = torch.ones(3, dtype=dtype, device=device, requires_grad=True)
    y = x * x
    try:
        y.backward(torch.ones(len(y)))
        out.append("accepted")
    except RuntimeError:
        out.append("raises")
    y = x * x
    y.backward(torch.ones_like(y))
    out.append(str(x.grad.dtype))
x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)
(x * x).backward(torch.ones(4))
out.append(str(x.grad.tolist()))
print(" ".join(out))
"""


@pytest.mark.parametrize("release", OTHER_RELEASES)
def test_the_ones_of_len_y_box_holds_on_other_releases(release):
    out = run_on(release, ONES_OF_LEN).strip()
    assert out == "raises torch.complex64 raises torch.float32 [0.0, 2.0, 4.0, 6.0]"
