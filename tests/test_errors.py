"""The error reference, docs/errors.*.md: its messages are what torch raises, in both languages.

The messages are read from the pages (the `> RuntimeError: ...` line under each heading and the
outputs of the blocks marked `<!-- raises: ... -->`), so the page and these tests cannot drift apart.
The rest checks the claims of the page that its printed outputs do not show.
"""

from __future__ import annotations

import inspect
import re
import warnings
from pathlib import Path

import pytest
import torch
from markdown_blocks import ROOT, parse_blocks

PAGES = {lang: ROOT / "docs" / f"errors.{lang}.md" for lang in ("zh", "en")}

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
    "checkpoint-use-reentrant",
    "grad-is-none",
    "grad-accumulates",
    "float-equality",
]
SILENT = {"grad-is-none", "grad-accumulates", "float-equality"}
CHAPTERS = ["basics.md", "backward-twice.md", "non-scalar-backward.md", "detach.md", "control-flow.md"]

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
    return f"{caught[0].category.__name__}: {caught[0].message}"


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
def test_three_causes_of_missing_grad_fn_raise_the_same_message(lang):
    (message,) = quoted_messages(PAGES[lang])["does-not-require-grad"]
    for cause in (nothing_requires_grad, loss_under_no_grad, loss_from_detached):
        assert raised(cause) == message
    raising = [lines for raises, lines in shown_outputs(PAGES[lang])["does-not-require-grad"] if raises]
    assert len(raising) == 3 and all(lines[-1] == message for lines in raising)


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


def test_both_languages_quote_the_same_messages():
    assert quoted_messages(PAGES["zh"]) == quoted_messages(PAGES["en"])
    assert set(quoted_messages(PAGES["en"])) == set(TRIGGERS)


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


def test_same_headings_in_both_languages():
    assert heading_anchors(PAGES["zh"]) == heading_anchors(PAGES["en"])


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
def test_summary_links_the_chapters(lang):
    summary = PAGES[lang].read_text(encoding="utf-8").split("{ #summary }", 1)[1]
    for chapter in CHAPTERS:
        assert f"]({chapter})" in summary, chapter


def strip_comments(code: str) -> str:
    return "\n".join(re.sub(r"\s+#.*$", "", line) for line in code.splitlines() if not line.lstrip().startswith("#"))


def test_code_and_outputs_identical_in_both_languages():
    zh, en = (parse_blocks(PAGES[lang]) for lang in ("zh", "en"))
    assert len(zh) == len(en)
    for a, b in zip(zh, en):
        assert strip_comments(a.code) == strip_comments(b.code), a.where
        assert (a.continues, a.raises) == (b.continues, b.raises), a.where
        assert (a.expected.body if a.expected else None) == (b.expected.body if b.expected else None), a.where


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


def test_zero_grad_sets_none_by_default():
    assert inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default is True


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
