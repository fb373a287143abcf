"""Claims of docs/detach.*.md that the page's printed outputs do not show by themselves."""

import numpy as np
import pytest
import torch


def test_detach_then_clone_is_independent():
    b = torch.ones(3, requires_grad=True) * 2
    c = b.detach().clone()
    c[0] = 100.0
    assert torch.equal(b.detach(), torch.full((3,), 2.0))


def test_dot_data_hides_the_change_and_gives_a_wrong_gradient():
    a = torch.ones(3, requires_grad=True)
    b = a.exp()
    b.data.mul_(0)  # no error: the version counter is not bumped
    b.sum().backward()
    assert torch.equal(a.grad, torch.zeros(3))  # should have been e^1
    assert not torch.allclose(a.grad, torch.exp(torch.ones(3)))


def test_leaf_update_needs_no_grad():
    w = torch.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        w -= 0.1 * w.grad


def test_no_grad_as_decorator():
    w = torch.ones(3, requires_grad=True)

    @torch.no_grad()
    def evaluate(weights):
        return weights * 2

    out = evaluate(w)
    assert not out.requires_grad and out.grad_fn is None
    assert torch.is_grad_enabled()


def test_inference_tensors():
    w = torch.ones(3, requires_grad=True)
    with torch.inference_mode():
        t = w * 2
    # No version counter (the bookkeeping inference mode skips).
    with pytest.raises(RuntimeError, match="Inference tensors do not track version counter"):
        t._version
    # Raised in the forward computation, when the product needs to save t.
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        w * t
    # An operation that saves nothing goes through.
    (w + t).sum().backward()
    assert torch.equal(w.grad, torch.ones(3))
    # No in-place change outside inference mode.
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode is not allowed"):
        t.add_(1)
    # The fix named by the message: a clone is an ordinary tensor.
    assert not t.clone().is_inference()
    # no_grad does not make inference tensors.
    with torch.no_grad():
        s = w * 2
    assert not s.is_inference()


def test_numpy_conversions():
    x = torch.linspace(0.0, 1.0, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        x.numpy()  # the leaf as well, not only y
    y = x * x
    y.sum().backward()
    x.grad.numpy()  # .grad does not require grad
    shared = x.detach().numpy()
    copied = x.detach().numpy().copy()
    assert np.shares_memory(shared, x.detach().numpy())
    shared[0] = 7.0
    assert x[0].item() == 7.0  # visible in the tensor
    assert copied[0] == 0.0
    forced = x.numpy(force=True)
    assert np.array_equal(forced, np.array([7.0, 0.5, 1.0], dtype=np.float32))
