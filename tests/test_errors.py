"""The error reference, docs/*/errors.md: its messages are what torch raises, in both languages.

The messages are read from the pages (the `> RuntimeError: ...` line under each heading and the
outputs of the blocks marked `<!-- raises: ... -->`), so the page and these tests cannot drift apart.
The rest checks the claims of the page that its printed outputs do not show.
"""

from __future__ import annotations

import inspect
import math
import re
import warnings
from pathlib import Path

import pytest
import torch
from torch.autograd.gradcheck import GradcheckError

from course.markdown_blocks import ROOT, as_shown, parse_blocks

PAGES = {lang: ROOT / "docs" / lang / "errors.md" for lang in ("zh", "en")}

ANCHORS = [
    "scalar-outputs",
    "backward-twice",
    "numpy-requires-grad",
    "does-not-require-grad",
    "leaf-in-place",
    "non-leaf-grad",
    "modified-by-inplace",
    "integer-requires-grad",
    "requires-grad-non-leaf",
    "unused-input",
    "shape-mismatch",
    "returned-nan",
    "non-finite-norm",
    "once-differentiable",
    "grad-output-not-multiplied",
    "backward-hook-no-inputs",
    "inference-tensors",
    "checkpoint-use-reentrant",
    "grad-is-none",
    "grad-accumulates",
    "float-equality",
]
SILENT = {"grad-is-none", "grad-accumulates", "float-equality"}
CHAPTERS = [
    "basics.md",
    "backward-twice.md",
    "non-scalar-backward.md",
    "detach.md",
    "control-flow.md",
    "function-and-hooks.md",
    "grad-modes.md",
]

HEADING = re.compile(r"^(#{1,6}) .*\{ #(?P<anchor>[a-z0-9-]+) \}\s*$")
QUOTED = re.compile(r"^> (?P<line>[A-Z]\w*(?:Error|Warning): .+)$")


# --- reading the pages -------------------------------------------------------------------------


def section_of_line(path: Path) -> list[str | None]:
    """For each line (1-based index), the anchor of the `##` section it belongs to."""
    anchors: list[str | None] = [None]
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = HEADING.match(line)
        if heading and heading.group(1) == "##":
            current = heading.group("anchor")
        anchors.append(current)
    return anchors


def quoted_messages(path: Path) -> dict[str, list[str]]:
    """The `> Type: message` lines of each section, in page order."""
    found: dict[str, list[str]] = {}
    sections = section_of_line(path)
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = QUOTED.match(line)
        if match:
            found.setdefault(sections[lineno], []).append(match.group("line"))
    return found


def shown_outputs(path: Path) -> dict[str, list[tuple[str | None, list[str]]]]:
    """For each section: (expected exception type, lines of the shown output) of every block."""
    found: dict[str, list[tuple[str | None, list[str]]]] = {}
    sections = section_of_line(path)
    for block in parse_blocks(path):
        lines = block.expected.body.splitlines() if block.expected else []
        found.setdefault(sections[block.lineno], []).append((block.raises, lines))
    return found


def heading_anchors(path: Path) -> list[str]:
    return [m.group("anchor") for line in path.read_text(encoding="utf-8").splitlines() if (m := HEADING.match(line))]


# --- triggering each error in plain Python ------------------------------------------------------


def raised(action) -> str:
    with pytest.raises(Exception) as info:
        action()
    return f"{type(info.value).__name__}: {info.value}"


def warned(action) -> str:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()
    assert len(caught) >= 1, "no warning"
    # The page shows torch's build path at the end of a warning as "…" (markdown_blocks.as_shown).
    return as_shown(f"{caught[0].category.__name__}: {caught[0].message}")


def scalar_outputs():
    x = torch.arange(3.0, requires_grad=True)
    (x * x).backward()


def backward_twice():
    x = torch.arange(3.0, requires_grad=True)
    y = (x**2).sum()
    y.backward()
    y.backward()


def numpy_requires_grad():
    torch.sin(torch.linspace(0, 3, 4, requires_grad=True)).numpy()


def nothing_requires_grad():
    (torch.ones(3) * 2).sum().backward()


def loss_under_no_grad():
    w = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        loss = (w * 2).sum()
    loss.backward()


def loss_from_detached():
    w = torch.ones(3, requires_grad=True)
    (w * 2).detach().sum().backward()


def accuracy_as_the_loss():
    w = torch.ones(3, requires_grad=True)
    logits = torch.tensor([[1.0, 2.0, 0.5], [0.3, 0.1, 0.9]]) * w
    (logits.argmax(dim=1) == torch.tensor([1, 2])).float().mean().backward()


def leaf_in_place():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w**2).sum().backward()
    w -= 0.1 * w.grad


def non_leaf_grad():
    w = torch.randn(3, requires_grad=True) * 0.01
    (w**2).sum().backward()
    assert w.grad is None


def optimizer_non_leaf():
    torch.optim.SGD([torch.randn(3, requires_grad=True) * 0.01], lr=0.1)


def modified_by_inplace():
    x = torch.ones(3, requires_grad=True)
    y = x.exp()
    y += 1
    y.sum().backward()


def integer_factory():
    torch.arange(4, requires_grad=True)


def integer_method():
    torch.arange(4).requires_grad_()


def integer_attribute():
    x = torch.arange(4)
    x.requires_grad = True


def requires_grad_non_leaf():
    y = torch.ones(3, requires_grad=True) * 2
    y.requires_grad = False


def unused_input():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    torch.autograd.grad((a * 3).sum(), [a, b])


def shape_mismatch():
    y = torch.ones(3, requires_grad=True) * 2
    y.backward(torch.ones(4))


def returned_nan():
    x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with torch.autograd.detect_anomaly():
        torch.where(x > 0, x.sqrt(), 0.0).sum().backward()


def returned_nan_backward_only():
    """The page's reproduction: only the backward pass runs in anomaly mode."""
    x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    y = torch.where(x > 0, x.sqrt(), 0.0)
    with torch.autograd.detect_anomaly():
        y.sum().backward()


def anomaly_warning(action) -> str:
    """The whole warning anomaly mode adds to a failing backward, as the page shows it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError):
            action()
    (detected,) = [w for w in caught if str(w.message).startswith("Error detected in")]
    return as_shown(f"{detected.category.__name__}: {detected.message}")


def anomaly_warning_first_line(action) -> str:
    """The first line of the warning anomaly mode adds to a failing backward (the rest is a traceback)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError):
            action()
    (detected,) = [w for w in caught if str(w.message).startswith("Error detected in")]
    return f"{detected.category.__name__}: {str(detected.message).splitlines()[0]}"


def without_warnings(action):
    """The action with anomaly mode's warnings silenced (they hold file paths; the message is what counts)."""

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            action()

    return run


def non_finite_norm():
    w = torch.nn.Parameter(torch.ones(3))
    w.grad = torch.tensor([1.0, float("nan"), 2.0])
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0, error_if_nonfinite=True)


class Cube(torch.autograd.Function):
    """x ** 3 with a backward marked as not differentiable."""

    @staticmethod
    def forward(x):
        return x**3

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * 3 * x**2


def once_differentiable_twice():
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    (g,) = torch.autograd.grad(torch.sin(Cube.apply(x)).sum(), x, create_graph=True)
    g.sum().backward()


class SumOfSquares(torch.autograd.Function):
    """(x * x).sum() whose backward forgets grad_out."""

    @staticmethod
    def forward(x):
        return (x * x).sum()

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return 2 * x


def grad_output_not_multiplied():
    x = torch.tensor([0.5, -1.5, 2.0], dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(SumOfSquares.apply, (x,))


def backward_hook_no_inputs():
    layer = torch.nn.Linear(3, 2)
    seen = []
    layer.register_full_backward_hook(lambda module, grad_input, grad_output: seen.append(grad_input))
    layer(torch.randn(4, 3)).sum().backward()
    assert seen == [(None,)] and layer.weight.grad is not None


def inference_tensor_saved():
    w = torch.ones(3, requires_grad=True)
    with torch.inference_mode():
        t = w * 2
    w * t


def inference_tensor_in_place():
    with torch.inference_mode():
        t = torch.ones(3) * 2
    t.add_(1)


def checkpoint_without_use_reentrant():
    from torch.utils.checkpoint import checkpoint

    checkpoint(torch.tanh, torch.ones(3, requires_grad=True))


def reentrant_checkpoint_of_data():
    from torch.utils.checkpoint import checkpoint

    w = torch.ones(3, requires_grad=True)
    checkpoint(lambda x: torch.tanh(w * x), torch.tensor([1.0, 2.0, 3.0]), use_reentrant=True)


def reentrant_checkpoint_and_autograd_grad():
    from torch.utils.checkpoint import checkpoint

    x = torch.ones(3, requires_grad=True)
    torch.autograd.grad(checkpoint(torch.tanh, x, use_reentrant=True).sum(), x)


# For each entry, the messages in the order the page quotes them.
TRIGGERS = {
    "scalar-outputs": [lambda: raised(scalar_outputs)],
    "backward-twice": [lambda: raised(backward_twice)],
    "numpy-requires-grad": [lambda: raised(numpy_requires_grad)],
    "does-not-require-grad": [lambda: raised(nothing_requires_grad)],
    "leaf-in-place": [lambda: raised(leaf_in_place)],
    "non-leaf-grad": [lambda: warned(non_leaf_grad), lambda: raised(optimizer_non_leaf)],
    "modified-by-inplace": [lambda: raised(modified_by_inplace)],
    "integer-requires-grad": [
        lambda: raised(integer_factory),
        lambda: raised(integer_method),
        lambda: raised(integer_attribute),
    ],
    "requires-grad-non-leaf": [lambda: raised(requires_grad_non_leaf)],
    "unused-input": [lambda: raised(unused_input)],
    "shape-mismatch": [lambda: raised(shape_mismatch)],
    "returned-nan": [
        lambda: raised(without_warnings(returned_nan_backward_only)),
        lambda: anomaly_warning(returned_nan_backward_only),
    ],
    "non-finite-norm": [lambda: raised(non_finite_norm)],
    "once-differentiable": [lambda: raised(once_differentiable_twice)],
    "grad-output-not-multiplied": [lambda: raised(grad_output_not_multiplied)],
    "backward-hook-no-inputs": [lambda: warned(backward_hook_no_inputs)],
    "inference-tensors": [lambda: raised(inference_tensor_saved), lambda: raised(inference_tensor_in_place)],
    "checkpoint-use-reentrant": [
        lambda: warned(checkpoint_without_use_reentrant),
        lambda: warned(reentrant_checkpoint_of_data),
        lambda: raised(reentrant_checkpoint_and_autograd_grad),
    ],
}

CASES = [(anchor, i) for anchor, triggers in TRIGGERS.items() for i in range(len(triggers))]


@pytest.mark.parametrize("lang", PAGES)
@pytest.mark.parametrize(("anchor", "index"), CASES, ids=[f"{a}-{i}" for a, i in CASES])
def test_quoted_message_is_what_torch_raises(lang, anchor, index):
    quoted = quoted_messages(PAGES[lang]).get(anchor, [])
    assert len(quoted) == len(TRIGGERS[anchor]), f"{lang}: #{anchor} quotes {quoted}"
    assert TRIGGERS[anchor][index]() == quoted[index]


@pytest.mark.parametrize("lang", PAGES)
def test_four_causes_of_missing_grad_fn_raise_the_same_message(lang):
    (message,) = quoted_messages(PAGES[lang])["does-not-require-grad"]
    for cause in (nothing_requires_grad, loss_under_no_grad, loss_from_detached, accuracy_as_the_loss):
        assert raised(cause) == message
    raising = [lines for raises, lines in shown_outputs(PAGES[lang])["does-not-require-grad"] if raises]
    assert len(raising) == 4 and all(lines[-1] == message for lines in raising)


@pytest.mark.parametrize("lang", PAGES)
def test_every_quoted_message_is_the_output_of_a_block_in_its_entry(lang):
    outputs = shown_outputs(PAGES[lang])
    for anchor, messages in quoted_messages(PAGES[lang]).items():
        assert anchor in TRIGGERS, f"{lang}: a message is quoted outside an error entry: {anchor}"
        for message in messages:
            kind = message.split(":", 1)[0]
            if kind.endswith("Warning"):
                shown = any(message in lines for _, lines in outputs[anchor])
            else:
                shown = any(raises == kind and lines and lines[-1] == message for raises, lines in outputs[anchor])
            assert shown, f"{lang}: #{anchor}: no block shows {message[:60]!r}"


# --- structure ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", PAGES)
def test_every_entry_has_its_anchor(lang):
    second_level = [
        m.group("anchor")
        for line in PAGES[lang].read_text(encoding="utf-8").splitlines()
        if (m := HEADING.match(line)) and m.group(1) == "##"
    ]
    assert second_level[: len(ANCHORS)] == ANCHORS
    assert second_level[len(ANCHORS) :] == ["summary"]


@pytest.mark.parametrize("lang", PAGES)
def test_table_of_contents_links_every_entry(lang):
    intro = PAGES[lang].read_text(encoding="utf-8").split("\n## ", 1)[0]
    rows = [line for line in intro.splitlines() if line.startswith("| ")]
    linked = {m for row in rows for m in re.findall(r"\]\(#([a-z0-9-]+)\)", row)}
    assert linked == set(ANCHORS)
    # Every quoted message starts with the text of a table row (the table may shorten it).
    cells = [re.match(r"\| `(.+?)(?: \.\.\.)?` \|", row) for row in rows]
    starts = [c.group(1) for c in cells if c]
    for messages in quoted_messages(PAGES[lang]).values():
        for message in messages:
            text = message.split(": ", 1)[1]
            assert any(text.startswith(s) or message.startswith(s) for s in starts), message[:60]


@pytest.mark.parametrize("lang", PAGES)
def test_error_entries_quote_their_message_right_under_the_heading(lang):
    lines = PAGES[lang].read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        heading = HEADING.match(line)
        if heading and heading.group("anchor") in TRIGGERS:
            assert lines[i + 1] == "" and QUOTED.match(lines[i + 2]), f"{lang}: #{heading.group('anchor')}"
        elif heading and heading.group("anchor") in SILENT:
            assert not QUOTED.match(lines[i + 2])


@pytest.mark.parametrize("lang", PAGES)
def test_every_error_heading_is_the_start_of_the_first_message_quoted_under_it(lang):
    """The intro says every message in a heading is printed by code: each error entry's heading (less a
    trailing " ...") starts the first `> Type: message` of its entry, which the tests above compare with
    what torch raises and with what a block of the entry prints. The silent entries' headings quote nothing."""
    quoted = quoted_messages(PAGES[lang])
    headings = {}
    for line in PAGES[lang].read_text(encoding="utf-8").splitlines():
        if (m := HEADING.match(line)) and m.group(1) == "##":
            headings[m.group("anchor")] = line[3 : line.rindex(" { #")].removesuffix(" ...")
    for anchor in TRIGGERS:
        message = quoted[anchor][0].split(": ", 1)[1]
        assert message.startswith(headings[anchor]), f"{lang}: #{anchor}: {headings[anchor]!r}"
        assert TRIGGERS[anchor][0]().split(": ", 1)[1].startswith(headings[anchor])


@pytest.mark.parametrize("lang", PAGES)
def test_summary_links_the_chapters(lang):
    summary = PAGES[lang].read_text(encoding="utf-8").split("{ #summary }", 1)[1]
    for chapter in CHAPTERS:
        assert f"]({chapter})" in summary, chapter


def strip_comments(code: str) -> str:
    return "\n".join(re.sub(r"\s+#.*$", "", line) for line in code.splitlines() if not line.lstrip().startswith("#"))


# --- claims the outputs do not show ------------------------------------------------------------


def test_data_parallel_gathers_scalar_losses_into_a_vector():
    source = inspect.getsource(torch.nn.parallel._functions.Gather)
    assert "will instead unsqueeze" in source and "return a vector" in source


def test_plotting_a_tensor_that_requires_grad_raises_the_numpy_error():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = torch.linspace(0, 3, 4, requires_grad=True)
    try:
        assert raised(lambda: plt.plot(x, torch.sin(x))) == raised(numpy_requires_grad)
    finally:
        plt.close("all")


def test_numpy_is_allowed_under_no_grad():
    y = torch.sin(torch.linspace(0, 3, 4, requires_grad=True))
    with torch.no_grad():
        assert y.numpy().shape == (4,)
    assert y.requires_grad


def test_more_ways_to_lose_the_grad_fn():
    message = raised(nothing_requires_grad)
    w = torch.ones(3, requires_grad=True)

    @torch.no_grad()
    def evaluate(weights):
        return (weights * 2).sum()

    assert raised(lambda: evaluate(w).backward()) == message
    assert raised(lambda: torch.tensor((w * 2).sum().item()).backward()) == message
    picked = (w * torch.tensor([1.0, 3.0, 2.0])).argmax()
    assert picked.grad_fn is None and not picked.requires_grad
    model = torch.nn.Linear(3, 1)
    model.requires_grad_(False)
    assert raised(lambda: model(torch.ones(1, 3)).sum().backward()) == message


def test_in_place_init_and_clipping_of_a_leaf_raise_but_nn_init_does_not():
    message = raised(leaf_in_place)
    w = torch.ones(3, requires_grad=True)
    assert raised(lambda: w.normal_()) == message
    assert raised(lambda: w.clamp_(0, 0.5)) == message
    torch.nn.init.normal_(w)
    assert w.is_leaf and w.requires_grad


def test_updating_w_data_works_in_the_gradient_descent_loop():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (w**2).sum().backward()
        w.data -= 0.1 * w.grad
        w.grad = None
    assert w.is_leaf
    torch.testing.assert_close(w.detach(), torch.tensor([1.0, 2.0]) * 0.8**3)


def test_moving_to_another_device_makes_a_non_leaf():
    x = torch.ones(3, requires_grad=True)
    moved = x.to("meta")
    assert not moved.is_leaf and moved.grad_fn.name() == "ToCopyBackward0"


def test_anomaly_detection_shows_the_forward_traceback():
    with warnings.catch_warnings(record=True) as caught, torch.autograd.set_detect_anomaly(True):
        warnings.simplefilter("always")
        message = raised(modified_by_inplace)
    # The same error, with a hint that now points at the traceback.
    plain = raised(modified_by_inplace)
    assert message.split(" Hint: ")[0] == plain.split(" Hint: ")[0]
    assert "the backtrace further above shows the operation" in message
    shown = " ".join(str(w.message) for w in caught)
    assert "Traceback of forward call that caused the error" in shown and "ExpBackward0" in shown


def test_integer_literals_and_uint8_data_cannot_require_grad():
    first = raised(integer_factory)
    assert raised(lambda: torch.tensor([1, 2, 3], requires_grad=True)) == first
    assert raised(lambda: torch.zeros(2, 2, dtype=torch.uint8, requires_grad=True)) == first


def test_float_ids_break_the_embedding():
    embedding = torch.nn.Embedding(4, 2)
    with pytest.raises(RuntimeError, match="indices"):
        embedding(torch.tensor([1.0, 3.0]))


def test_broadcastable_grad_shapes_are_refused_too():
    y = torch.ones(3, requires_grad=True) * 2
    for shape in [(1,), (2, 3)]:
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            y.backward(torch.ones(shape), retain_graph=True)


def test_autograd_grad_finds_the_cut_path_that_backward_hides():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    loss = (a * 2 + b.detach()).sum()
    assert raised(lambda: torch.autograd.grad(loss, [b], retain_graph=True)).startswith(
        "RuntimeError: The differentiated Tensor at index 0 appears to not have been used in the graph."
    )
    loss.backward()
    assert b.grad is None


def test_accumulating_losses_divided_by_k_gives_the_full_batch_gradient():
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    data, targets = torch.randn(8, 3), torch.randn(8)
    ((data @ w - targets) ** 2).mean().backward()
    full = w.grad.clone()
    w.grad = None
    k = 4
    for xb, yb in zip(data.chunk(k), targets.chunk(k)):
        (((xb @ w - yb) ** 2).mean() / k).backward()
    torch.testing.assert_close(w.grad, full)


# --- the two entries on nan gradients --------------------------------------------------------------


def test_without_anomaly_detection_the_nan_gradient_is_silent():
    x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    torch.where(x > 0, x.sqrt(), 0.0).sum().backward()
    assert x.grad[:2].isnan().all() and x.grad[2].item() == 0.25


def test_the_anomaly_traceback_follows_the_first_line_of_the_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError):
            returned_nan()
    (detected,) = [str(w.message) for w in caught if str(w.message).startswith("Error detected in")]
    assert "Traceback of forward call that caused the error" in detected
    assert "x.sqrt()" in detected  # the forward line that created SqrtBackward0


def test_nan_to_num_on_a_shared_gradient_throws_away_the_good_terms():
    w = torch.tensor(1.0, requires_grad=True)
    data = torch.tensor([-1.0, 0.0, 4.0])
    z = w * data
    torch.where(z > 0, z.sqrt(), 0.0).sum().backward()
    assert torch.nan_to_num(w.grad).item() == 0.0
    w.grad = None
    z = w * data
    safe_z = torch.where(z > 0, z, 1.0)
    torch.where(z > 0, safe_z.sqrt(), 0.0).sum().backward()
    assert w.grad.item() == 1.0  # d/dw sqrt(4w) at w = 1


@pytest.mark.parametrize(
    ("fn", "point"),
    [
        (torch.sqrt, 0.0),
        (lambda x: x**0.5, 0.0),
        (torch.log, 0.0),
        (lambda x: 1 / x, 0.0),
        (torch.asin, 1.0),
        (torch.asin, -1.0),
        (torch.acos, 1.0),
        (torch.acos, -1.0),
    ],
    ids=["sqrt", "pow-0.5", "log", "reciprocal", "asin+1", "asin-1", "acos+1", "acos-1"],
)
def test_named_sources_have_an_infinite_derivative_that_where_turns_into_nan(fn, point):
    x = torch.tensor(point, requires_grad=True)
    fn(x).backward()
    assert x.grad.isinf()
    x.grad = None
    torch.where(x != point, fn(x), 0.0).backward()
    assert x.grad.isnan()


def test_hand_written_distance_of_coinciding_points_is_nan():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([1.0, 2.0])
    ((a - b) ** 2).sum().sqrt().backward()
    assert a.grad.isnan().all()


def test_clipping_with_a_nan_or_inf_gradient_spoils_every_component():
    w = torch.nn.Parameter(torch.ones(3))
    w.grad = torch.tensor([1.0, float("nan"), 2.0])
    assert torch.nn.utils.clip_grad_norm_([w], max_norm=1.0).isnan()
    assert w.grad.isnan().all()
    w.grad = torch.tensor([1.0, float("inf"), 2.0])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        torch.nn.utils.clip_grad_norm_([w], max_norm=1.0, error_if_nonfinite=True)
    assert torch.nn.utils.clip_grad_norm_([w], max_norm=1.0).isinf()
    assert w.grad[1].isnan() and torch.equal(w.grad[[0, 2]], torch.zeros(2))


@pytest.mark.parametrize(
    "dtype, value", [(torch.float16, 40000.0), (torch.float32, 1e20), (torch.float32, 1.9e19)], ids=str
)
def test_clipping_raises_when_finite_gradients_overflow_the_norm_and_otherwise_zeroes_them(dtype, value):
    a = torch.nn.Parameter(torch.ones(3, dtype=dtype))
    a.grad = torch.full((3,), value, dtype=dtype)
    assert torch.isfinite(a.grad).all()
    with pytest.raises(RuntimeError) as info:
        torch.nn.utils.clip_grad_norm_([a], max_norm=1.0, error_if_nonfinite=True)
    assert f"RuntimeError: {info.value}" == raised(non_finite_norm)
    assert torch.nn.utils.clip_grad_norm_([a], max_norm=1.0).isinf()
    assert torch.equal(a.grad, torch.zeros(3, dtype=dtype))  # factor max_norm / inf = 0


def test_the_float32_norm_overflows_near_1_8e19_where_the_sum_of_squares_passes_the_largest_float32():
    largest = torch.finfo(torch.float32).max
    assert 3.4e38 < largest < 3.41e38 and 1.84e19 < math.sqrt(largest) < 1.85e19
    assert torch.isfinite(torch.linalg.vector_norm(torch.tensor([1.8e19, 1.0])))
    assert torch.isinf(torch.linalg.vector_norm(torch.tensor([1.9e19, 1.0])))
    assert torch.isinf(torch.linalg.vector_norm(torch.full((100,), 1.9e18)))  # 1.9e19 from many small gradients
    # Why the page says "can": a one-element tensor's norm is its absolute value, with no square to overflow.
    assert torch.isfinite(torch.linalg.vector_norm(torch.tensor([1.9e19])))
    assert torch.isfinite(torch.linalg.vector_norm(torch.tensor([6e4], dtype=torch.float16)))
    assert torch.isinf(
        torch.linalg.vector_norm(torch.tensor([5e4, 5e4], dtype=torch.float16))
    )  # each finite, together 70711


def test_float16_overflows_above_65504():
    assert torch.finfo(torch.float16).max == 65504.0
    assert torch.tensor(300.0, dtype=torch.float16).pow(2).isinf()


def test_once_differentiable_hangs_its_node_when_the_upstream_gradient_depends_on_any_tensor_that_requires_grad():
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    w = torch.tensor([2.0, 3.0], requires_grad=True)
    # The upstream gradient is w: it does not depend on x, but it requires grad.
    (g,) = torch.autograd.grad((w * Cube.apply(x)).sum(), x, create_graph=True)
    assert g.requires_grad
    assert raised(lambda: g.sum().backward()) == raised(once_differentiable_twice)
    # Without create_graph=True no graph is recorded, so there is no node either.
    (g,) = torch.autograd.grad((w * Cube.apply(x)).sum(), x)
    assert not g.requires_grad and g.grad_fn is None
    # A constant upstream gradient (w without requires_grad): no node.
    (g,) = torch.autograd.grad((w.detach() * Cube.apply(x)).sum(), x, create_graph=True)
    assert not g.requires_grad


class Square(SumOfSquares):
    """x * x, elementwise, whose backward forgets grad_out."""

    @staticmethod
    def forward(x):
        return x * x


def gradcheck_message(function, values) -> str | None:
    """The first line of gradcheck's error for ``function`` at ``values``, None if it passes."""
    x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    try:
        torch.autograd.gradcheck(function.apply, (x,))
    except GradcheckError as error:
        return str(error).splitlines()[0]
    return None


@pytest.mark.parametrize(
    "function, values",
    [(SumOfSquares, [0.5, -1.5, 2.0]), (Square, 0.5), (Square, [0.5]), (Square, [[0.5]])],
    ids=["scalar-of-a-vector", "0-dim", "shape-1", "shape-1x1"],
)
def test_a_forgotten_grad_out_on_an_output_with_one_element_is_not_multiplied_by_grad_output(function, values):
    assert gradcheck_message(function, values) == "backward not multiplied by grad_output"


@pytest.mark.parametrize(
    "values", [[0.5, -1.5, 2.0], [[0.5, -1.5], [2.0, 1.0]], [0.5, 0.0, 0.0]], ids=["page-x", "2x2", "some-zeros"]
)
def test_a_forgotten_grad_out_on_an_output_with_more_elements_is_a_jacobian_mismatch(values):
    assert gradcheck_message(Square, values) == "Jacobian mismatch for output 0 with respect to input 0,"


@pytest.mark.parametrize("function", [SumOfSquares, Square])
def test_gradcheck_misses_a_forgotten_grad_out_where_the_gradient_is_zero(function):
    assert gradcheck_message(function, [0.0, 0.0, 0.0]) is None


def test_a_frozen_first_part_also_leaves_the_hooked_module_without_input_gradients():
    torch.manual_seed(0)
    frozen, hooked = torch.nn.Linear(3, 3), torch.nn.Linear(3, 1)
    frozen.requires_grad_(False)
    hooked.register_full_backward_hook(lambda m, gi, go: None)
    message = warned(lambda: hooked(frozen(torch.randn(2, 3))).sum().backward())
    assert message == warned(backward_hook_no_inputs)


def test_inference_tensors_have_no_version_counter_and_detach_keeps_them_inference():
    with torch.inference_mode():
        t = torch.ones(3) * 2
    with pytest.raises(RuntimeError, match="Inference tensors do not track version counter"):
        t._version
    assert t.detach().is_inference()
    w = torch.ones(3, requires_grad=True)
    assert raised(lambda: w * t.detach()) == raised(inference_tensor_saved)
    # An operation that saves nothing for backward accepts an inference tensor.
    (w + t).sum().backward()
    assert torch.equal(w.grad, torch.ones(3))
    clone = t.clone()
    assert not clone.is_inference()
    before = clone._version  # an ordinary tensor has a version counter
    clone.add_(1)
    assert clone._version == before + 1


def test_views_of_an_inference_tensor_are_inference_tensors_and_clone_or_an_operation_is_not():
    with torch.inference_mode():
        t = torch.ones(3) * 2
    for view in (t[1:], t.view(3), t.reshape(3), t.detach(), t.float()):
        assert view.is_inference()
    for ordinary in (t.clone(), t * 1, t.double()):
        assert not ordinary.is_inference()
    w = torch.ones(2, requires_grad=True)
    assert raised(lambda: w * t[1:]) == raised(inference_tensor_saved)
    assert raised(lambda: t[1:].add_(1)) == raised(inference_tensor_in_place)


@pytest.mark.parametrize(
    "change",
    [lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t[1:].add_(1)],
    ids=["add_", "mul_", "zero_", "add_ on a view"],
)
def test_an_in_place_change_of_an_inference_tensor_is_made_before_the_error(change):
    with torch.inference_mode():
        t = torch.ones(3) * 2
    ordinary = torch.ones(3) * 2
    change(ordinary)
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
        change(t)
    assert torch.equal(t, ordinary)  # the change is in t although the call raised


def test_autograd_grad_with_respect_to_a_tensor_that_does_not_require_grad_has_its_own_message():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    c = torch.ones(2)
    loss = (a * 2 + b.detach() + c).sum()
    c.requires_grad_()
    unused = "RuntimeError: The differentiated Tensor at index 0 appears to not have been used in the graph."
    for t in (b, c):  # both require grad now, neither is in the graph
        assert raised(lambda: torch.autograd.grad(loss, [t], retain_graph=True)).startswith(unused)
    frozen = torch.ones(2)
    assert (
        raised(lambda: torch.autograd.grad(loss, [frozen]))
        == "RuntimeError: One of the differentiated Tensors does not require grad"
    )


def test_without_forward_information_anomaly_mode_says_so_and_with_it_shows_the_traceback():
    assert "No forward pass information available" in anomaly_warning(returned_nan_backward_only)
    first = anomaly_warning_first_line(returned_nan)
    assert first == "UserWarning: Error detected in SqrtBackward0. Traceback of forward call that caused the error:"


# --- rules the page states, tried on the cases that break rules --------------------------------


def test_a_second_backward_through_a_graph_that_saved_nothing_accumulates():
    for build in (lambda x: x.sum(), lambda x: (x + 1).sum()):
        x = torch.arange(4.0, requires_grad=True)
        y = build(x)
        y.backward()
        y.backward()  # no saved tensor was freed: no error
        assert torch.equal(x.grad, torch.full((4,), 2.0))


def test_a_second_backward_raises_only_through_a_node_that_saved_a_tensor():
    for build in (lambda x: (x**2).sum(), lambda x: 2 * torch.dot(x, x), lambda x: (x * x).mean()):
        x = torch.arange(4.0, requires_grad=True)
        y = build(x)
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()


@pytest.mark.parametrize(
    "first", [{"retain_graph": True}, {"create_graph": True}], ids=["retain_graph", "create_graph"]
)
def test_a_second_backward_works_and_adds_up_after_retain_graph_or_create_graph(first):
    x = torch.arange(3.0, requires_grad=True)
    y = (x**2).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # backward(create_graph=True) warns about a reference cycle
        y.backward(**first)
    y.backward()
    assert torch.equal(x.grad.detach(), 4 * x.detach())


def test_a_second_backward_that_raises_may_have_added_into_some_leaves_first():
    a = torch.ones(3, requires_grad=True)
    b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (b * b).sum() + a.sum()
    y.backward()
    with pytest.raises(RuntimeError):
        y.backward()
    assert torch.equal(a.grad, torch.full((3,), 2.0))  # the branch of a ran before the freed node
    assert torch.equal(b.grad, 2 * b.detach())  # b's branch stopped at the freed MulBackward0


def _running_total(call_backward: bool):
    import gc
    import weakref

    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    total, intermediates = 0.0, []
    for sample in torch.randn(5, 3):
        h = sample @ w  # saved by the square's node
        intermediates.append(weakref.ref(h))
        loss = h**2
        if call_backward:
            loss.backward()
        total += loss
    del h, loss
    gc.collect()
    return total, sum(ref() is not None for ref in intermediates)


def test_a_running_total_of_losses_keeps_the_nodes_but_not_the_tensors_backward_freed():
    total, alive = _running_total(call_backward=True)
    assert alive == 0  # every step's backward() freed what its graph saved
    assert total.grad_fn is not None  # the nodes are still linked to the total
    with pytest.raises(RuntimeError, match="second time"):
        total.backward()


def test_a_running_total_without_backward_keeps_every_steps_saved_tensors():
    total, alive = _running_total(call_backward=False)
    assert alive == 5
    total.backward()  # nothing was freed


def test_x_grad_converts_to_numpy_unless_backward_recorded_its_graph():
    x = torch.linspace(0, 3, 4, requires_grad=True)
    torch.sin(x).sum().backward()
    assert not x.grad.requires_grad
    x.grad.numpy()
    x = torch.linspace(0, 3, 4, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # backward(create_graph=True) warns about a reference cycle
        torch.sin(x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    assert raised(x.grad.numpy) == raised(numpy_requires_grad)
    x.grad.detach().numpy()


def test_after_create_graph_x_grad_is_in_a_graph_only_if_it_depends_on_a_tensor_that_requires_grad():
    x = torch.linspace(0, 3, 4, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reference-cycle warning of backward(create_graph=True)
        (2 * x).sum().backward(create_graph=True)
    assert not x.grad.requires_grad and x.grad.grad_fn is None  # the constant 2
    assert x.grad.numpy().tolist() == [2.0] * 4
    w = torch.tensor(3.0, requires_grad=True)
    (g,) = torch.autograd.grad((w * x).sum(), x, create_graph=True)
    assert g.requires_grad  # the gradient w depends on another tensor that requires grad


def test_a_leaf_that_requires_grad_has_no_grad_fn_and_backward_works_on_it():
    leaf = torch.tensor(2.0, requires_grad=True)
    assert leaf.grad_fn is None
    leaf.backward()
    assert leaf.grad.item() == 1.0


def test_a_differentiable_operation_makes_a_non_leaf_and_a_non_differentiable_one_a_leaf():
    x = torch.tensor([1.5, -2.0, 3.0], requires_grad=True)
    for result in (x * 1, x.double(), x.to(torch.float16), x.sum(), x[1:]):
        assert not result.is_leaf and result.requires_grad
    for result in (x.argmax(), x > 0, x.long(), x.detach(), torch.round(x).long()):
        assert result.is_leaf and not result.requires_grad
    with torch.no_grad():
        assert (x * 1).is_leaf


def test_argmax_and_comparisons_give_results_that_do_not_require_grad():
    w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    for result in (w.argmax(), w > 0):
        assert not result.requires_grad and result.grad_fn is None


def test_under_no_grad_an_operation_makes_a_leaf_that_does_not_require_grad():
    with torch.no_grad():
        w = torch.randn(3, requires_grad=True) * 0.01
    assert w.is_leaf and not w.requires_grad


def test_a_non_leaf_keeps_its_grad_only_after_retain_grad():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.sum().backward()
    assert torch.equal(y.grad, torch.ones(2))


def test_once_differentiable_as_the_only_path_raises_an_unrelated_does_not_require_grad():
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    (g,) = torch.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert not g.requires_grad
    assert raised(lambda: g.sum().backward()) == raised(nothing_requires_grad)


def test_once_differentiable_beside_another_path_drops_its_term_silently():
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    (g,) = torch.autograd.grad(Cube.apply(x).sum() + (x**2).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(g.sum(), x)
    assert torch.equal(second, torch.full((2,), 2.0))  # x**2's term only; 6x is lost
    assert not torch.allclose(second, 6 * x.detach() + 2)


def test_d_over_a_is_nan_where_a_is_zero_but_a_grad_times_a_matches_d():
    from control_flow import f

    a = torch.arange(3.0, requires_grad=True)
    d = f(a)
    d.sum().backward()
    assert not torch.allclose(a.grad, d.detach() / a.detach())  # nan where a is 0
    assert torch.allclose(a.grad * a.detach(), d.detach())


# --- the second expert review: the rules its fixes state ---------------------------------------


class TwiceCube(Cube):
    """Cube with a backward that can be differentiated: the decorator dropped."""

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * 3 * x**2


LINEAR_WEIGHT = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
LINEAR_BIAS = torch.tensor([0.1, -0.2], requires_grad=True)


@pytest.mark.parametrize(
    "forward, raises",
    [
        (lambda x, f: torch.sin(f.apply(x)), True),  # the page's example: only through the Function
        # A layer before it, or a path beside it, whose gradient back to x is computed from x or from a tensor
        # the graph computed from x: the first derivative reaches x another way, and nothing is raised.
        (lambda x, f: torch.sin(f.apply(torch.tanh(x))), False),  # reads its result
        (lambda x, f: torch.sin(f.apply(torch.relu(x))), False),  # reads its result, though its derivative is 0 or 1
        (lambda x, f: torch.sin(f.apply(x * x)), False),
        (lambda x, f: torch.sin(f.apply(x)) + x**2, False),  # reads x
        (lambda x, f: torch.sin(f.apply(x)) + torch.relu(x), False),
        (lambda x, f: torch.sin(f.apply(x)) + x * (x * 1), False),  # reads a tensor the graph computed from x
        # Others give the unused-input error, decided by how PyTorch recorded their backward.
        (lambda x, f: torch.sin(f.apply(2 * x)), True),
        (lambda x, f: torch.sin(f.apply(x.clamp(min=0))), True),  # the same function as relu, another record
        (lambda x, f: torch.sin(f.apply(x + 1)), True),
        (lambda x, f: torch.sin(f.apply(torch.nn.functional.linear(x, LINEAR_WEIGHT, LINEAR_BIAS))), True),
        (lambda x, f: torch.sin(f.apply(x)) + 3 * x, True),
        (lambda x, f: torch.sin(f.apply(x)) + x, True),
        (lambda x, f: torch.sin(f.apply(x)) + LINEAR_BIAS * x, True),  # reads a weight that requires grad
        (lambda x, f: torch.sin(f.apply(x)) + x * x.detach(), True),  # reads a tensor outside the graph
    ],
    ids=[
        "sin-cube",
        "sin-cube-tanh",
        "sin-cube-relu",
        "sin-cube-x-squared",
        "beside-x-squared",
        "beside-relu",
        "beside-x-times-computed-x",
        "sin-cube-2x",
        "sin-cube-clamp",
        "sin-cube-x-plus-1",
        "sin-cube-linear",
        "beside-3x",
        "beside-x",
        "beside-w-times-x",
        "beside-x-times-detached-x",
    ],
)
def test_autograd_grad_reports_an_unused_input_only_when_the_first_derivative_reaches_x_only_through_the_function(
    forward, raises
):
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    (g,) = torch.autograd.grad(forward(x, Cube).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="@once_differentiable"):
        g.sum().backward(retain_graph=True)  # backward reaches the node that raises, every time
    if raises:
        with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
            torch.autograd.grad(g.sum(), x)
        return
    (second,) = torch.autograd.grad(g.sum(), x)  # no error: the Function's terms are silently missing
    (g_right,) = torch.autograd.grad(forward(x, TwiceCube).sum(), x, create_graph=True)
    (right,) = torch.autograd.grad(g_right.sum(), x)
    assert not torch.allclose(second, right)


def rnn_gradients(retain_graph_loop_with_optimizer: bool):
    torch.manual_seed(0)
    weights = torch.randn(4, 4, requires_grad=True)
    batches = torch.randn(3, 4)
    optimizer = torch.optim.SGD([weights], lr=0.1)
    h, grads = torch.zeros(4), []
    for batch in batches:
        h = torch.tanh(weights @ h + batch)
        optimizer.zero_grad()
        h.sum().backward(retain_graph=True)
        grads.append(weights.grad.clone())
        if retain_graph_loop_with_optimizer:
            optimizer.step()
    return weights, batches, grads


def test_retain_graph_in_the_rnn_loop_gives_the_full_history_gradient_and_raises_once_an_optimizer_steps():
    weights, batches, grads = rnn_gradients(retain_graph_loop_with_optimizer=False)
    for t, grad in enumerate(grads):
        h = torch.zeros(4)
        for batch in batches[: t + 1]:
            h = torch.tanh(weights @ h + batch)
        torch.testing.assert_close(grad, torch.autograd.grad(h.sum(), weights)[0])  # exact, only slower
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        rnn_gradients(retain_graph_loop_with_optimizer=True)


@pytest.mark.parametrize("cast", [lambda t: t.double(), lambda t: t.to(torch.float64)], ids=["double", "to"])
def test_a_retained_parameter_behind_a_cast_that_saved_nothing_trains_and_feeds_its_hidden_leaf(cast):
    torch.manual_seed(0)
    hidden = torch.randn(3, requires_grad=True)
    w = cast(hidden)
    assert w.grad_fn.name() == "ToCopyBackward0"
    assert not [n for n in dir(w.grad_fn) if n.startswith("_saved")]  # nothing saved, nothing to free
    assert not [n for n in dir(hidden.to("meta").grad_fn) if n.startswith("_saved")]  # to(device): the same node
    w.retain_grad()
    optimizer = torch.optim.SGD([w], lr=0.1)
    expected = hidden.detach().double().clone()
    total = torch.zeros(3)
    for _ in range(3):
        optimizer.zero_grad()
        (w**2).sum().backward()  # no error, unlike after "* 0.01"
        total += 2 * expected.float()
        optimizer.step()
        expected -= 0.1 * 2 * expected
    torch.testing.assert_close(w.detach(), expected)  # w trains as a leaf would
    torch.testing.assert_close(hidden.grad, total)  # and every step's gradient adds up in the hidden leaf


def test_anomaly_mode_traces_the_in_place_change_only_when_it_was_on_during_the_forward_pass():
    def backward_only():
        x = torch.ones(3, requires_grad=True)
        y = x.exp()
        y += 1
        with torch.autograd.set_detect_anomaly(True, check_nan=False):
            y.sum().backward()

    def from_the_start():
        with torch.autograd.set_detect_anomaly(True, check_nan=False):
            modified_by_inplace()

    assert "No forward pass information available" in anomaly_warning(backward_only)
    assert anomaly_warning_first_line(from_the_start) == (
        "UserWarning: Error detected in ExpBackward0. Traceback of forward call that caused the error:"
    )


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode], ids=["no_grad", "inference_mode"])
def test_a_view_taken_without_recording_reports_requires_grad_but_backward_raises_the_element_0_error(mode):
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    out = w * 2
    with mode():
        views = [out[0], out.view(2), w[:1]]
        computed = out * 1
    for view in views:
        assert view.requires_grad and view.grad_fn is None
        assert raised(lambda: view.backward(torch.ones_like(view))) == raised(nothing_requires_grad)
    assert not computed.requires_grad  # an operation that is not a view: no grad_fn, no requires_grad
    # Setting the flag of such a view is silently ignored.
    views[0].requires_grad = False
    assert views[0].requires_grad


def test_a_view_of_an_ordinary_tensor_taken_in_inference_mode_stays_ordinary():
    base = torch.ones(3)
    with torch.inference_mode():
        view = base[:2]
        made = base * 1
    assert not view.is_inference() and made.is_inference()
    view.add_(1)  # no error outside inference mode
    assert base.tolist() == [2.0, 2.0, 1.0]


class StackedSum(SumOfSquares):
    """(x * x).sum() twice, stacked: both output elements have the gradient 2x that backward returns."""

    @staticmethod
    def forward(x):
        s = (x * x).sum()
        return torch.stack([s, s])


def test_a_forgotten_grad_out_passes_the_jacobian_check_when_every_output_element_has_the_returned_gradient():
    assert gradcheck_message(StackedSum, [0.5, -1.5, 2.0]) == "backward not multiplied by grad_output"


def test_the_product_check_says_nothing_where_a_is_zero_and_a_grad_against_k_does():
    k = 512.0
    a = torch.tensor([1.0, -2.0, 0.0])
    d = k * a
    wrong = torch.tensor([k, k, 999.0])
    assert torch.allclose(wrong * a, d)  # blind at a == 0
    assert not torch.allclose(wrong, torch.full((3,), k))


NOTES = {
    "zh": re.compile(r"笔记|In \[\d+\]|Out\[\d+\]"),
    "en": re.compile(r"\blesson\b|\b(the|these|its|our|your) notes\b|In \[\d+\]|Out\[\d+\]", re.I),
}
WORD_FOR_WORD = {
    "zh": re.compile(r"更正笔记|看似正确的错误修复|实际代码中的来源"),
    "en": re.compile(r"A correction to the lesson|Tempting but wrong|only looks right|in real code"),
}


@pytest.mark.parametrize("lang", PAGES)
@pytest.mark.parametrize("page", ["errors.md", "from-scratch.md", "playground.md"])
def test_the_page_neither_leans_on_notes_nor_keeps_labels_carried_over_word_for_word(lang, page):
    text = (ROOT / "docs" / lang / page).read_text(encoding="utf-8")
    found = [
        f"{lang}/{page}:{n}: {line.strip()[:80]}"
        for n, line in enumerate(text.splitlines(), 1)
        if NOTES[lang].search(line) or WORD_FOR_WORD[lang].search(line)
    ]
    assert found == []


@pytest.mark.parametrize("lang", PAGES)
def test_each_misconception_box_shows_a_block(lang):
    lines = PAGES[lang].read_text(encoding="utf-8").splitlines()
    boxes = [n for n, line in enumerate(lines) if line.startswith('!!! failure "')]
    assert len(boxes) == 2
    for start in boxes:
        body = []
        for line in lines[start + 1 :]:
            if line and not line.startswith("    "):
                break
            body.append(line)
        assert "    ```python" in body, lines[start]


# --- the expert review of errors.md (findings 1, 3, 7) ---------------------------------------------


def test_backward_with_inputs_fills_the_grad_of_a_non_leaf_that_never_called_retain_grad():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    assert not y.is_leaf and not y.retains_grad
    (y**2).sum().backward(inputs=[y])
    assert torch.equal(y.grad, torch.full((3,), 4.0))
    assert x.grad is None  # only the tensors named in inputs are filled


@pytest.mark.parametrize(
    "grads, kept",
    [([3e19, 3e19], True), ([1.9e19, 1.0], True), ([1.0, math.inf, 2.0], False)],
    ids=["finite-overflowing-norm", "one-large-one-small", "an-inf-component"],
)
def test_after_an_overflowed_norm_plain_sgd_keeps_the_parameters_only_when_every_gradient_was_finite(grads, kept):
    w = torch.nn.Parameter(torch.ones(len(grads)))
    w.grad = torch.tensor(grads)
    assert torch.nn.utils.clip_grad_norm_([w], max_norm=1.0).isinf()
    finite = torch.isfinite(torch.tensor(grads))
    assert torch.equal(w.grad[finite], torch.zeros(int(finite.sum())))  # every finite gradient becomes 0
    assert w.grad[~finite].isnan().all()  # an inf one becomes nan
    torch.optim.SGD([w], lr=0.1).step()
    assert torch.equal(w.detach(), torch.ones(len(grads))) == kept
    assert torch.equal(w.detach()[finite], torch.ones(int(finite.sum())))
    assert w.detach()[~finite].isnan().all()  # the parameter becomes nan exactly where the gradient was inf


def recorded_run(version: str, marker: str) -> dict:
    """What torch ``version`` did with the English block whose code holds ``marker``, as recorded."""
    import json

    from course.markdown_blocks import code_digest

    (block,) = [b for b in parse_blocks(PAGES["en"]) if marker in b.code]
    records = json.loads((ROOT / "versions" / "torch-versions.json").read_text(encoding="utf-8"))["versions"]
    if version not in records:
        pytest.skip(f"no torch {version} record")
    runs = [r for r in records[version]["pages"]["docs/en/errors.md"] if r["code"] == code_digest(block.code)]
    if not runs:
        pytest.skip("the block changed since the releases were recorded")
    return runs[0]


def test_materialize_grads_is_missing_before_torch_2_1():
    assert "materialize_grads" in inspect.signature(torch.autograd.grad).parameters
    for version in ("2.0.1", "1.12.0"):
        run = recorded_run(version, "materialize_grads=True")
        assert run["error"] == "TypeError: grad() got an unexpected keyword argument 'materialize_grads'"


def test_zero_grad_set_none_by_default_only_since_torch_2_0():
    assert inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default is True
    marker = "optimizer.zero_grad(set_to_none=False)"
    assert recorded_run("2.0.1", marker)["status"] == "same"
    old = recorded_run("1.12.0", marker)
    assert old["status"] == "different" and "None" not in old["output"]


def test_an_optimizer_accepts_a_non_leaf_that_retains_its_grad_except_on_torch_1_12():
    w = torch.randn(3, requires_grad=True) * 0.01
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        torch.optim.SGD([w], lr=0.1)
    w.retain_grad()
    torch.optim.SGD([w], lr=0.1)
    marker = "w.retain_grad()\noptimizer = torch.optim.SGD([w], lr=0.1)"
    assert recorded_run("2.0.1", marker)["status"] == "same"
    assert recorded_run("1.12.0", marker)["error"] == "ValueError: can't optimize a non-leaf Tensor"


# --- the third expert review: the conditions its fixes state ---------------------------------------


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode], ids=["no_grad", "inference_mode"])
def test_backward_on_a_view_taken_without_recording_gives_the_element_0_error_for_one_element_or_with_a_gradient(mode):
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    y = w * 2
    with mode():
        one_element = [y[0], y[:1], w[:1]]
        two_elements = y.view(2)
    for view in one_element:
        assert raised(view.backward) == raised(nothing_requires_grad)
    assert raised(two_elements.backward) == raised(scalar_outputs)  # the scalar check comes first
    assert raised(lambda: two_elements.backward(torch.ones(2))) == raised(nothing_requires_grad)


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode], ids=["no_grad", "inference_mode"])
def test_a_loss_computed_from_a_view_taken_without_recording_raises_nothing_and_gives_no_gradient(mode):
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    y = w * 2
    y.retain_grad()
    with mode():
        views = [y.view(2), y[0], w[:1]]
    for view in views:
        loss = (view * view).sum()
        assert loss.requires_grad and loss.grad_fn is not None  # it looks like a graph
        loss.backward()  # no error, no warning
        assert w.grad is None and y.grad is None and view.grad is None
    ((views[0] * views[0]).sum() + y.sum()).backward()
    assert torch.equal(w.grad, torch.full((2,), 2.0))  # only the recorded path y.sum() reaches w


def loop_on_a_tensor_computed_once(make, retain_graph):
    """The loop the summary means: `emb` is computed from W once, before the loop."""
    import autograd_graph

    torch.manual_seed(0)
    W = torch.randn(3, requires_grad=True)
    start = W.detach().clone()
    optimizer = torch.optim.SGD([W], lr=0.5)
    emb = make(W)
    first = emb.detach().clone()
    sizes = []
    for _ in range(4):
        optimizer.zero_grad()
        loss = emb.sum()
        sizes.append(autograd_graph.count_nodes(loss))
        loss.backward(retain_graph=retain_graph)
        optimizer.step()
    return W, start, emb, first, sizes


def gradient_of_sum(make, at):
    at = at.detach().requires_grad_()
    return torch.autograd.grad(make(at).sum(), at)[0]


@pytest.mark.parametrize(
    "make, raises",
    [(torch.tanh, False), (torch.exp, False), (lambda W: 2 * W, False), (lambda W: W**2, True), (torch.sin, True)],
    ids=["tanh-saves-its-result", "exp-saves-its-result", "2W-saves-nothing", "square-saves-W", "sin-saves-W"],
)
def test_retain_graph_on_a_tensor_computed_once_before_the_loop_keeps_its_old_value_and_raises_only_if_it_saved_w(
    make, raises
):
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loop_on_a_tensor_computed_once(make, retain_graph=False)
    if raises:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loop_on_a_tensor_computed_once(make, retain_graph=True)
        return
    W, start, emb, first, sizes = loop_on_a_tensor_computed_once(make, retain_graph=True)
    assert len(set(sizes)) == 1  # the graph does not grow
    assert torch.equal(emb.detach(), first)  # every step used the value from before the first update
    assert not torch.allclose(make(W).detach(), first)  # though W has changed
    torch.testing.assert_close(W.grad, gradient_of_sum(make, start))  # the gradient from the values saved then
    if make is not torch.tanh and make is not torch.exp:
        return  # 2 * W: its gradient is the constant 2, the same at any W
    assert not torch.allclose(W.grad, gradient_of_sum(make, W))  # not the gradient at the current W


def test_a_later_in_place_operation_gives_a_tensor_computed_without_a_grad_fn_one_and_locks_its_flag():
    w = torch.ones(3, requires_grad=True)
    buf = torch.ones(3) * 2
    assert buf.grad_fn is None and buf.is_leaf and not buf.requires_grad
    buf[0] = w.sum()
    assert buf.grad_fn is not None and buf.requires_grad and not buf.is_leaf
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        buf.requires_grad = False
    buf.sum().backward()
    assert torch.equal(w.grad, torch.ones(3))
    with torch.no_grad():
        z = w * 2
    z.mul_(w)
    assert z.grad_fn.name() == "MulBackward0"
    # Counter-cases: an in-place operation from a constant, or one not recorded, gives no grad_fn.
    constant = torch.ones(3) * 2
    constant.add_(1)
    constant[0] = 5.0
    unrecorded = torch.ones(3) * 2
    with torch.no_grad():
        unrecorded[0] = w.sum()
    assert constant.grad_fn is None and unrecorded.grad_fn is None
    unrecorded.requires_grad = True  # still a leaf: the flag can be changed


# --- the fourth expert review: the conditions its fixes state --------------------------------------

VIEWS_WITHOUT_RECORDING = {
    "y[0]": lambda w, y: y[0],
    "y[:1]": lambda w, y: y[:1],
    "y.view(2)": lambda w, y: y.view(2),
    "w[:1]": lambda w, y: w[:1],
    "y.unsqueeze(0)": lambda w, y: y.unsqueeze(0),
    "y.expand(2)": lambda w, y: y.expand(2),
}


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode], ids=["no_grad", "inference_mode"])
@pytest.mark.parametrize("take", VIEWS_WITHOUT_RECORDING.values(), ids=VIEWS_WITHOUT_RECORDING)
def test_a_view_taken_without_recording_is_a_leaf_that_requires_grad_yet_no_loss_graph_reaches_it(mode, take):
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    y = w * 2
    with mode():
        view = take(w, y)
    assert view.is_leaf and view.requires_grad  # the check the fix of #grad-is-none says does not catch it
    loss = (view * view).sum()
    loss.backward()
    assert view.grad is None and w.grad is None
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad((view * view).sum(), [view])


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("create_graph", [False, True])
def test_backward_stores_gradients_in_the_leaves_that_require_grad_and_that_the_graph_reaches(create_graph):
    a = torch.tensor([-1.0, 2.0], requires_grad=True)  # reached through relu: a gradient 0 is still stored
    b = torch.ones(2, requires_grad=True)  # reached only through .detach()
    c = torch.ones(2)  # a constant
    y = a * 1
    with torch.no_grad():
        v = y.view(2)  # a leaf that requires grad, outside every graph
    loss = (torch.relu(a) + b.detach() + c + v).sum()
    loss.backward(create_graph=create_graph)
    assert torch.equal(a.grad, torch.tensor([0.0, 1.0]))
    assert b.grad is None and c.grad is None and v.grad is None and v.is_leaf and v.requires_grad


def test_backward_with_inputs_fills_only_the_leaves_it_names_and_still_the_non_leaves_that_retain_their_grad():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    y = a * b
    y.retain_grad()
    (y * 2).sum().backward(inputs=[a])
    assert torch.equal(a.grad, torch.full((2,), 2.0)) and b.grad is None
    assert torch.equal(y.grad, torch.full((2,), 2.0))  # a non-leaf asked for with retain_grad
    a.grad = None
    y = a * b
    (y * 2).sum().backward(inputs=[y])
    assert a.grad is None and b.grad is None and torch.equal(y.grad, torch.full((2,), 2.0))


def test_an_in_place_operation_gives_a_grad_fn_to_its_base_and_to_every_view_of_the_same_base():
    w = torch.ones(3, requires_grad=True)
    buf = torch.zeros(4)
    rest = buf[1:]  # taken before, over other elements than the one written
    part = rest[:2]  # a view of a view
    assert rest.grad_fn is None and rest.is_leaf and not rest.requires_grad
    buf[0] = w.sum()
    for tensor in (buf, rest, part):
        assert tensor.grad_fn is not None and tensor.requires_grad and not tensor.is_leaf
        with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
            tensor.requires_grad = False
    # Through a sibling view: writing one half gives the other half a grad_fn.
    other = torch.zeros(4)
    left, right = other[:2], other[2:]
    right.copy_(w[:2] * 1)
    assert left.grad_fn is not None and other.grad_fn is not None
    # Through a view of it: an in-place operation on the view gives the base one.
    base = torch.zeros(4)
    base[:2].add_(w[:2])
    assert base.grad_fn is not None
    # Counter-case: detach() and .data share the memory but are not views, and stay out of the graph.
    shared = torch.zeros(4)
    detached, data = shared.detach(), shared.data
    shared[0] = w.sum()
    assert detached.grad_fn is None and data.grad_fn is None and not detached.requires_grad


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode], ids=["no_grad", "inference_mode"])
def test_a_view_taken_without_recording_gets_no_grad_fn_from_an_in_place_operation_but_an_error(mode):
    w = torch.ones(3, requires_grad=True)
    buf = torch.zeros(4)
    with mode():
        view = buf[:2]
    buf[3] = w.sum()  # the base, with recording on
    with pytest.raises(
        RuntimeError,
        match="A view was created in .* and its base or another view of its base has been modified inplace",
    ):
        view.grad_fn
    buf = torch.zeros(4)
    with mode():
        view = buf[:2]
    with pytest.raises(RuntimeError, match="A view was created in .* and is being modified inplace"):
        view.add_(w[:2])  # the view itself
    assert buf.grad_fn is None
    # From a constant there is nothing to record, and no error.
    buf = torch.zeros(4)
    with mode():
        view = buf[:2]
    buf[3] = 5.0
    assert view.grad_fn is None and not view.requires_grad


def test_an_in_place_fill_gives_a_grad_fn_only_to_a_floating_point_or_complex_buffer_that_does_not_require_grad():
    w = torch.ones(3, requires_grad=True)
    for dtype in (torch.float32, torch.float64, torch.complex64):
        buf = torch.zeros(3, dtype=dtype)
        buf[0] = w.sum()
        assert buf.grad_fn is not None, dtype
    integer = torch.zeros(3, dtype=torch.long)
    integer[0] = w.sum()  # the value is cast, silently, and nothing is recorded
    assert integer.grad_fn is None and not integer.requires_grad and integer.tolist() == [3, 0, 0]
    leaf = torch.zeros(3, requires_grad=True)
    with pytest.raises(
        RuntimeError, match="a view of a leaf Variable that requires grad is being used in an in-place operation"
    ):
        leaf[0] = w.sum()


def test_gradgradcheck_catches_the_silently_missing_terms_that_autograd_grad_leaves_out():
    # The page's advice: check a second derivative through a once_differentiable extension with
    # gradgradcheck, as the unused-input error does not always come.
    x = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
    assert not torch.autograd.gradgradcheck(lambda t: torch.sin(Cube.apply(torch.tanh(t))), (x,), raise_exception=False)
    assert torch.autograd.gradgradcheck(lambda t: torch.sin(TwiceCube.apply(torch.tanh(t))), (x,))


def test_a_view_taken_without_recording_raises_only_when_used_after_its_base_changed_in_place():
    w = torch.ones(3, requires_grad=True)
    buf = torch.zeros(4)
    with torch.no_grad():
        v = buf[:2]
    buf[3] = w.sum()  # through the base, not the view: no error here
    assert buf.grad_fn is not None
    buf.sum().backward()
    assert torch.equal(w.grad, torch.ones(3))
    for use in (lambda: v * 2, lambda: v.grad_fn):  # the next use of the view, even reading its grad_fn
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode"):
            use()
