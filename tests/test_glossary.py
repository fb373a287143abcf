"""docs/<lang>/glossary.md: both languages list the same terms, and every PyTorch name exists.
(Its links are checked by the strict build.)"""

import inspect
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from course.site_facts import site_languages

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROW = re.compile(r'^\| <span id="(?P<anchor>[a-z0-9-]+)"></span>(?P<cells>.*)\|\s*$')


def rows(language):
    found = []
    for line in (DOCS / language / "glossary.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            cells = [c.strip() for c in match.group("cells").split(" | ")]
            assert len(cells) == 5, line
            found.append((match.group("anchor"), *cells))
    return found


def test_both_languages_have_the_same_terms_in_the_same_order():
    zh, en = rows("zh"), rows("en")
    assert len(zh) >= 20
    assert [r[0] for r in zh] == [r[0] for r in en]
    assert len({r[0] for r in zh}) == len(zh), "an anchor is used twice"
    for (_, zh_term, zh_english, _, zh_torch, _), (_, en_term, en_chinese, _, en_torch, _) in zip(zh, en):
        assert zh_term == en_chinese
        assert zh_english == en_term
        assert zh_torch == en_torch


def resolve(name):
    """`torch.a.b(kw=...)` or `Tensor.m()`: the object, and the keyword arguments named."""
    match = re.fullmatch(r"(?P<path>[\w.]+)(\((?P<args>[^)]*)\))?", name)
    assert match, name
    path = match.group("path").split(".")
    obj = torch.Tensor if path[0] == "Tensor" else torch
    assert path[0] in ("Tensor", "torch"), name
    for part in path[1:]:
        obj = getattr(obj, part)
    keywords = re.findall(r"(\w+)=", match.group("args") or "")
    return obj, keywords


@pytest.mark.parametrize("language", site_languages())
def test_every_pytorch_name_exists(language):
    for row in rows(language):
        cell = row[4]
        if cell == "—":
            continue
        for name in re.findall(r"`([^`]+)`", cell):
            obj, keywords = resolve(name)
            if keywords:
                parameters = inspect.signature(obj).parameters
                assert all(k in parameters for k in keywords), name


def test_version_counter_goes_up_by_one_per_in_place_change():
    x = torch.zeros(3)
    before = x._version
    x.add_(1)
    x += 1
    assert x._version == before + 2


@pytest.mark.parametrize("mode", [torch.enable_grad, torch.no_grad, torch.inference_mode])
def test_x_index_plus_equals_counts_two_an_addition_on_the_view_and_a_copy_back(mode):
    w = torch.ones(3, requires_grad=True)
    for x in (torch.zeros(3), w * 1):  # a constant and a non-leaf of a graph
        with mode():
            x[0] += 1
        assert x._version == 2, (mode, x)
    x = torch.zeros(3)
    view = x[0]
    view += 1
    assert x._version == 1  # the addition on the view
    x[0] = view
    assert x._version == 2  # the copy back


def test_torch_tensor_and_new_tensor_copy_the_values_out_of_the_graph_and_torch_stack_keeps_it():
    a, b = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    x = torch.ones(3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch 2.13 warns about some of these, not all releases do
        copies = [torch.tensor([a, b]), torch.tensor(x), x.new_tensor(x), x.new_tensor([a, b])]
    assert not any(c.requires_grad or c.grad_fn is not None for c in copies)
    stacked = torch.stack([a, b])
    assert stacked.requires_grad and type(stacked.grad_fn).__name__ == "StackBackward0"
    stacked.sum().backward()
    assert (a.grad.item(), b.grad.item()) == (1.0, 1.0)


def test_a_write_through_the_numpy_array_a_tensor_was_made_from_is_not_counted_and_the_gradient_is_silently_wrong():
    array = np.ones(3, dtype=np.float32)
    x = torch.from_numpy(array).requires_grad_()
    y = (x * x).sum()  # MulBackward0 saves x, which is array's memory
    array[:] = 5
    assert x._version == 0
    y.backward()  # no error
    assert x.grad.tolist() == [10.0, 10.0, 10.0]  # 2 * 5, not the 2 * 1 of the forward pass


def test_the_english_pages_call_the_version_counter_by_the_glossary_s_term():
    # "version number" would be a second English name for it; run-yourself.md speaks of torch's and
    # CUDA's version numbers, another concept.
    found = [
        f"{path.name}:{number}"
        for path in sorted((DOCS / "en").glob("*.md"))
        if path.name != "run-yourself.md"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bversion numbers?\b", line)
    ]
    assert found == []


# Importing forward_ad makes torch itself call the deprecated torch.jit.script.
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_dual_number_carries_the_derivative_times_the_tangent():
    import torch.autograd.forward_ad as fwAD

    a, b = torch.tensor([0.3, 1.2]), torch.tensor([2.0, -1.0])
    with fwAD.dual_level():
        out = torch.sin(fwAD.make_dual(a, b))
        value, tangent = fwAD.unpack_dual(out)
    assert torch.equal(value, torch.sin(a))
    assert torch.allclose(tangent, torch.cos(a) * b)


def test_hessian_vector_product_is_the_gradient_of_grad_dot_v():
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    v = torch.tensor([1.0, 2.0, 3.0])
    (g,) = torch.autograd.grad((x**3).sum(), x, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, x)
    assert torch.allclose(hv, 6 * x.detach() * v)  # H = diag(6x)


# --- rules the definitions state, tried on the cases that tend to break them -----------------------


def test_autograd_gives_a_derivative_only_where_the_path_is_fixed_and_each_operation_differentiable():
    def g(x):  # the path changes at exactly 1: 5x - 4 there, x**2 everywhere else
        return 5 * x - 4 if x == 1 else x**2

    x = torch.tensor(1.0, requires_grad=True)
    g(x).backward()
    assert x.grad.item() == 5.0  # the derivative of x**2 at 1 is 2
    h = torch.tensor(0.0, requires_grad=True)
    torch.abs(h).backward()
    assert h.grad.item() == 0.0  # |x| has no derivative at 0; this is a convention, not a derivative
    x = torch.tensor(1.5, requires_grad=True)
    g(x).backward()
    assert x.grad.item() == 3.0  # a fixed path of differentiable operations: the derivative


def test_a_result_requires_no_grad_when_not_differentiable_from_detach_or_data_or_using_only_the_shape():
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    assert (x * 2).requires_grad
    assert not (x > 0).requires_grad and not x.argmax().requires_grad and not x.detach().requires_grad
    assert not x.data.requires_grad
    shape_only = [torch.zeros_like(x), torch.randn_like(x), torch.full_like(x, 2.0), x.new_ones(2)]
    assert not any(t.requires_grad for t in shape_only)


def test_by_default_only_leaves_get_a_grad_and_a_non_leaf_after_retain_grad_or_inputs():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    (y**2).sum().backward()
    with pytest.warns(UserWarning, match="not a leaf"):
        assert y.grad is None
    assert torch.equal(x.grad, torch.tensor([8.0, 16.0]))
    x.grad = None
    y = x * 2
    y.retain_grad()
    (y**2).sum().backward()
    assert not y.is_leaf and torch.equal(y.grad, torch.tensor([4.0, 8.0]))
    y = x * 2
    (y**2).sum().backward(inputs=[y])
    assert torch.equal(y.grad, torch.tensor([4.0, 8.0]))


def test_the_version_counter_counts_in_place_operations_through_views_and_detach_in_every_grad_mode():
    for mode in (torch.enable_grad, torch.no_grad, torch.inference_mode):
        x = torch.zeros(3)
        with mode():
            x.add_(1)
            x[1:].mul_(2)
            x.detach().sub_(1)
            x.requires_grad_()  # flips a flag: not an in-place operation
        assert x._version == 3, mode


@pytest.mark.parametrize("write", ["data", "numpy"])
def test_a_write_through_data_or_numpy_is_not_counted_and_the_gradient_comes_out_silently_wrong(write):
    w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 1
    s = h * h  # MulBackward0 saves h
    if write == "data":
        h.data.mul_(10)
    else:
        h.detach().numpy()[:] *= 10
    assert h._version == 0
    s.sum().backward()  # no error
    assert torch.equal(w.grad, torch.tensor([20.0, 40.0, 60.0]))  # not 2 * w


def test_some_writes_torch_makes_in_place_itself_are_not_counted_and_the_gradient_comes_out_wrong():
    bn = torch.nn.BatchNorm1d(3)
    w = torch.ones(3, requires_grad=True)
    y = (w * bn.running_mean).sum()  # MulBackward0 saves running_mean, all zeros now
    version = bn.running_mean._version
    bn(torch.randn(8, 3, generator=torch.Generator().manual_seed(0)) + 5)  # training: updates running_mean
    assert bn.running_mean._version == version and bn.running_mean.abs().min() > 0.4
    y.backward()  # no error
    assert torch.equal(w.grad, bn.running_mean)  # not the zeros the forward pass used

    p, x = torch.nn.Parameter(torch.ones(3)), torch.ones(3, requires_grad=True)
    y = (p * x).sum()  # saves p
    p.grad = torch.ones(3)
    version = p._version
    torch.optim.SGD([p], lr=0.5, fused=True).step()
    assert p._version == version
    y.backward()  # no error
    assert x.grad.tolist() == [0.5, 0.5, 0.5]  # the new p, not the 1 of the forward pass
    p, x = torch.nn.Parameter(torch.ones(3)), torch.ones(3, requires_grad=True)
    y = (p * x).sum()
    p.grad = torch.ones(3)
    torch.optim.SGD([p], lr=0.5).step()  # the default step counts its write
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_an_inference_tensor_has_no_version_counter():
    with torch.inference_mode():
        t = torch.zeros(2)
    with pytest.raises(RuntimeError, match="Inference tensors do not track version counter"):
        t._version


def test_under_no_grad_results_require_no_grad_except_the_listed_ones():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        assert not (w * 2).requires_grad and not (w + 0).requires_grad
        assert torch.ones(2, requires_grad=True).requires_grad
        assert torch.nn.Parameter(torch.ones(2)).requires_grad
        view = w[0]
        u = torch.tensor([1.0, 2.0], requires_grad=True)
        in_place = u.mul_(2)
    assert view.requires_grad and view.grad_fn is None
    assert in_place is u and in_place.requires_grad
    (view * 2).backward()  # the view's flag is all there is: no gradient reaches it or w
    assert view.grad is None and w.grad is None


def test_in_inference_mode_created_tensors_are_inference_tensors_except_views_and_detach_of_normal_ones():
    n = torch.ones(4)
    with torch.inference_mode():
        fresh, doubled, view, detached = torch.zeros(2), n * 2, n[0:2], n.detach()
        wrapped = torch.from_numpy(n.numpy())  # allocates no memory of its own
        n.add_(1)
    assert fresh.is_inference() and doubled.is_inference() and wrapped.is_inference()
    assert wrapped.data_ptr() == n.data_ptr()
    assert not view.is_inference() and not detached.is_inference() and not n.is_inference()
    assert n._version == 1 and detached._version == 1  # an in-place change to a normal tensor still counts


def test_forward_mode_nested_in_forward_mode_needs_no_graph_reverse_over_reverse_needs_create_graph():
    x, ones = torch.tensor([0.5, 1.0]), torch.ones(2)
    with torch.no_grad():  # nothing can be recorded here
        second = torch.func.jvp(lambda s: torch.func.jvp(torch.sin, (s,), (ones,))[1], (x,), (ones,))[1]
    assert torch.allclose(second, -torch.sin(x))
    x = x.clone().requires_grad_()
    (first,) = torch.autograd.grad(torch.sin(x).sum(), x)
    assert first.grad_fn is None and not first.requires_grad  # without create_graph: nothing to differentiate
    (first,) = torch.autograd.grad(torch.sin(x).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), x)
    assert torch.allclose(second, -torch.sin(x.detach()))


def test_checkpoint_sequential_recomputes_every_segment_but_the_last():
    from torch.utils.checkpoint import checkpoint_sequential

    calls = [0] * 6

    class Counted(torch.nn.Module):
        def __init__(self, index):
            super().__init__()
            self.index = index

        def forward(self, x):
            calls[self.index] += 1
            return torch.sin(x)

    model = torch.nn.Sequential(*[Counted(i) for i in range(6)])
    x = torch.ones(3, requires_grad=True)
    checkpoint_sequential(model, 3, x, use_reentrant=False).sum().backward()
    assert calls == [2, 2, 2, 2, 1, 1]  # segments of two layers; the last one is not recomputed


def test_a_mask_stops_a_nan_from_the_output_side_but_not_one_its_masked_branch_makes():
    a = torch.tensor(-1.0, requires_grad=True)
    (torch.relu(a) * torch.tensor(float("nan"))).backward()
    assert a.grad.item() == 0.0
    a = torch.tensor(-1.0, requires_grad=True)
    torch.where(a > 0, torch.sqrt(a), torch.tensor(0.0)).backward()
    assert torch.isnan(a.grad)
    assert torch.tensor(float("nan")) ** 0 == 1


def square():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    return Square


def test_a_custom_function_leaves_its_node_only_when_the_call_is_recorded():
    Square = square()
    x = torch.ones(2, requires_grad=True)
    assert Square.apply(x).grad_fn.name() == "SquareBackward"
    with torch.no_grad():
        assert Square.apply(x).grad_fn is None
    assert Square.apply(torch.ones(2)).grad_fn is None


def test_a_tensor_hook_returning_a_tensor_or_a_node_or_module_hook_returning_a_tuple_replaces_the_gradient():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    y.register_hook(lambda grad: grad * 10)
    y.sum().backward()
    assert x.grad.tolist() == [20.0, 20.0]

    x = torch.ones(2, requires_grad=True)
    y = x * 2
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] * 10, None))
    y.sum().backward()
    assert x.grad.tolist() == [20.0, 20.0]

    x = torch.ones(2, requires_grad=True)
    layer = torch.nn.Identity()
    layer.register_full_backward_hook(lambda module, grad_input, grad_output: (grad_input[0] * 10,))
    layer(x * 2).sum().backward()
    assert x.grad.tolist() == [20.0, 20.0]


def test_a_node_or_module_backward_hook_returning_a_bare_tensor_fails():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: grad_inputs[0] * 10)
    with pytest.raises(TypeError, match="expected tuple, but hook returned 'Tensor'"):
        y.sum().backward()
    layer = torch.nn.Linear(2, 2)
    layer.register_full_backward_hook(lambda module, grad_input, grad_output: grad_input[0] * 10)
    with pytest.raises(RuntimeError, match="has changed the size of value"):
        layer(torch.ones(1, 2, requires_grad=True)).sum().backward()


def test_a_module_forward_hook_is_called_in_the_forward_pass():
    calls = []
    layer = torch.nn.Linear(2, 2)
    layer.register_forward_hook(lambda module, inputs, output: calls.append(output.shape))
    layer(torch.ones(1, 2))
    assert calls == [torch.Size([1, 2])]


def test_a_module_backward_hook_with_no_input_requiring_grad_fires_with_grad_input_all_none():
    class Product(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(2))

        def forward(self, a, b):
            return self.w * a * b

    seen = []
    module = Product()
    module.register_full_backward_hook(lambda m, grad_input, grad_output: seen.append((grad_input, grad_output)))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        module(torch.ones(2), torch.ones(2)).sum().backward()
    ((grad_input, grad_output),) = seen
    assert grad_input == (None, None) and grad_output[0].tolist() == [1.0, 1.0]


def test_saved_tensor_hooks_see_every_saved_tensor_unless_an_inner_pair_or_a_checkpoint_takes_over():
    from torch.autograd.graph import saved_tensors_hooks
    from torch.utils.checkpoint import checkpoint

    outer, inner = [], []
    x = torch.ones(3, requires_grad=True)
    with saved_tensors_hooks(lambda t: outer.append(1) or t, lambda t: t):
        (x * x).sum()  # MulBackward0 saves x twice
        assert len(outer) == 2
        with saved_tensors_hooks(lambda t: inner.append(1) or t, lambda t: t):
            (x * x).sum()
        assert len(outer) == 2 and len(inner) == 2
        checkpoint(lambda a: (a.sin() * a.cos()).exp(), x, use_reentrant=False)  # saves several inside
        assert len(outer) == 3  # one: the checkpoint's input


def test_anomaly_detection_shows_the_forward_line_only_if_it_was_on_during_the_forward_pass():
    for on_in_forward, shown in [(False, "No forward pass information available"), (True, "Traceback of forward call")]:
        x = torch.tensor([-1.0, 4.0], requires_grad=True)
        with pytest.warns(UserWarning) as caught:
            with torch.autograd.set_detect_anomaly(on_in_forward):
                y = torch.sqrt(x).nan_to_num().sum()
            with pytest.raises(RuntimeError, match="'SqrtBackward0' returned nan values"):
                with torch.autograd.detect_anomaly():
                    y.backward()
        assert any(shown in str(w.message) for w in caught), on_in_forward


def test_the_optimizer_step_records_nothing_unless_differentiable():
    p = torch.nn.Parameter(torch.ones(3))
    p.grad = torch.ones(3)
    torch.optim.SGD([p], lr=0.1).step()
    assert p.grad_fn is None and p.is_leaf
    p.grad = torch.ones(3)
    # with grad mode on, the in-place update of a leaf that requires grad is refused
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        torch.optim.SGD([p], lr=0.1, differentiable=True).step()


def test_a_post_accumulate_grad_hook_must_return_none():
    p = torch.ones(2, requires_grad=True)
    p.register_post_accumulate_grad_hook(lambda tensor: torch.full((2,), 100.0))
    with pytest.raises(RuntimeError, match="post accumulate grad hooks should return None"):
        (p * 2).sum().backward()


def test_the_ulp_is_the_gap_away_from_zero_and_at_a_power_of_two_above_the_smallest_normal_towards_zero_half():
    smallest_normal = torch.finfo(torch.float32).tiny  # 2**-126
    for value in [1.0, 1.5, 3.0, 1000.0, -8.0, 2.0**-100, 2.0**-125, smallest_normal, -smallest_normal]:
        x = torch.tensor(value)
        e = math.floor(math.log2(abs(value)))
        away = torch.nextafter(x, torch.tensor(math.copysign(math.inf, value))) - x
        towards = x - torch.nextafter(x, torch.tensor(0.0))
        assert abs(away.item()) == 2.0 ** (e - 23)
        halved = abs(value) == 2.0**e and abs(value) > smallest_normal  # below it, the subnormals: same spacing
        assert abs(towards.item()) == 2.0 ** (e - 23) / (2 if halved else 1)


def test_the_ulp_of_the_largest_finite_float32_is_the_gap_towards_zero_for_the_next_number_is_inf():
    largest = torch.tensor(torch.finfo(torch.float32).max)
    e = math.floor(math.log2(largest.item()))
    assert e == 127 and largest.item() != 2.0**e
    assert torch.nextafter(largest, torch.tensor(math.inf)).item() == math.inf
    assert (largest - torch.nextafter(largest, torch.tensor(0.0))).item() == 2.0 ** (e - 23)


def test_batch_norm_in_evaluation_uses_running_averages_only_when_it_tracks_them():
    batch = torch.tensor([[1.0, 2.0], [3.0, 6.0]])
    tracking = torch.nn.BatchNorm1d(2).eval()  # fresh running averages: mean 0, variance 1
    assert torch.allclose(tracking(batch), batch / math.sqrt(1 + tracking.eps))
    batch_only = torch.nn.BatchNorm1d(2, track_running_stats=False).eval()
    assert batch_only.running_mean is None
    assert torch.allclose(batch_only(batch), torch.tensor([[-1.0, -1.0], [1.0, 1.0]]), atol=1e-4)
