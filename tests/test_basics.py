"""Claims of docs/basics.*.md that its printed outputs do not show."""

import torch


def test_requires_grad_underscore_flips_a_flag_and_returns_the_same_tensor():
    x = torch.arange(4.0)
    before = x._version
    same = x.requires_grad_(True)
    assert same is x and x.requires_grad
    assert x._version == before  # not an in-place change of the data


def test_a_real_in_place_operation_bumps_the_version_counter():
    x = torch.arange(4.0)
    before = x._version
    x.add_(1)
    assert x._version == before + 1


def test_only_results_of_recorded_operations_carry_a_grad_fn():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    assert x.grad_fn is None
    assert y.grad_fn.name() == "MulBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "DotBackward0"
    assert (2 * torch.dot(x.detach(), x.detach())).grad_fn is None


def test_the_lessons_out_14_is_what_torch_prints():
    x = torch.arange(4.0).requires_grad_(True)
    assert str(2 * torch.dot(x, x)) == "tensor(28., grad_fn=<MulBackward0>)"
