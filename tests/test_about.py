"""Claims of docs/*/about.md about how the pages are checked, tried on the harness and the repository."""

from __future__ import annotations

import os
import platform
import re
import sys
import traceback
import warnings
from pathlib import Path

import pytest
import torch

from course import pytest_pages
from course.markdown_blocks import Block, as_shown

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def harness():
    """The pages' runner (course/pytest_pages.py), for its run_block."""
    return pytest_pages


def gradcheck_of_a_wrong_backward():
    class Twice(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return 3 * grad

    return torch.autograd.gradcheck(Twice.apply, (torch.ones(2, dtype=torch.float64, requires_grad=True),))


def test_an_exception_from_outside_the_builtins_is_shown_by_its_class_name_where_python_prints_its_module():
    gradcheck_error = sys.modules["torch.autograd.gradcheck"].GradcheckError  # the module, not the function
    with pytest.raises(gradcheck_error) as caught:
        gradcheck_of_a_wrong_backward()
    python_prints = traceback.format_exception_only(caught.type, caught.value)[-1]
    assert python_prints.startswith("torch.autograd.gradcheck.GradcheckError: Jacobian mismatch")
    block = Block(
        ROOT / "docs" / "about-test.md",
        1,
        "import torch\n\n"
        "class Twice(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, x):\n"
        "        return 2 * x\n\n"
        "    @staticmethod\n"
        "    def backward(ctx, grad):\n"
        "        return 3 * grad\n\n"
        "torch.autograd.gradcheck(Twice.apply, (torch.ones(2, dtype=torch.float64, requires_grad=True),))\n",
        "",
        raises="GradcheckError",
    )
    shown = harness().run_block(block, {"__name__": "__main__"})
    assert shown == python_prints.removeprefix("torch.autograd.gradcheck.")  # the module path is all that goes


def test_a_builtin_exception_is_printed_by_python_without_a_module_path_too():
    assert traceback.format_exception_only(RuntimeError, RuntimeError("m"))[-1] == "RuntimeError: m\n"


def test_an_exception_class_defined_in_the_running_script_is_printed_without_a_module_path_too():
    namespace = {"__name__": "__main__"}
    exec("class ShapeError(Exception):\n    pass\n", namespace)
    error = namespace["ShapeError"]("m")
    assert traceback.format_exception_only(type(error), error)[-1] == "ShapeError: m\n"


def test_a_warning_is_shown_in_the_output_where_it_was_raised():
    code = "import warnings\nprint('before')\nwarnings.warn('careful')\nprint('after')\n"
    block = Block(ROOT / "docs" / "about-test.md", 1, code, "")
    assert harness().run_block(block, {"__name__": "__main__"}) == "before\nUserWarning: careful\nafter\n"


def test_the_build_tail_is_the_only_text_the_pages_rewrite():
    message = "UserWarning: The .grad attribute of a Tensor that is not a leaf (Triggered internally at /a/b/TensorBody.h:494.)\n"
    assert as_shown(message) == message.replace("/a/b/TensorBody.h:494.", "…")
    untouched = "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn\n"
    assert as_shown(untouched) == untouched


def includes():
    for path in sorted(DOCS.rglob("*.md")):
        for target in re.findall(r'--8<-- "([^"]+)"', path.read_text(encoding="utf-8")):
            yield path, target


def test_every_include_is_one_named_region_except_the_playground_s_whole_file():
    whole_files = {(path.relative_to(DOCS).as_posix(), target) for path, target in includes() if ":" not in target}
    assert whole_files == {
        ("zh/playground.md", "snippets/from_scratch/engine.py"),
        ("en/playground.md", "snippets/from_scratch/engine.py"),
    }


MEASURED = [
    *sorted((ROOT / "snippets" / "cost").glob("*.csv")),
    ROOT / "snippets" / "checkpointing" / "checkpoint_memory.csv",
]


def test_the_measured_data_are_the_files_the_page_names_and_make_measure_writes_them():
    assert sorted(ROOT.glob("snippets/**/*.csv")) == sorted(MEASURED)
    measure = re.search(r"^measure:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)
    for csv in MEASURED:
        writer = re.search(r"^# written by (\S+\.py)", csv.read_text(encoding="utf-8"), re.M).group(1)
        assert writer in measure, (csv.name, writer)


@pytest.mark.parametrize("csv", MEASURED, ids=lambda p: p.name)
def test_each_measured_file_records_the_cpu_architecture_processors_torch_version_and_date(csv):
    header = dict(
        line[2:].split(": ", 1)
        for line in csv.read_text(encoding="utf-8").splitlines()
        if line.startswith("# ") and ": " in line
    )
    assert {"machine", "processors", "torch", "date"} <= header.keys()
    # `machine` is platform.machine(): an architecture such as x86_64, not a host or a CPU model
    assert header["machine"] in {"x86_64", "AMD64", "aarch64", "arm64", platform.machine()}
    assert header["processors"].isdigit()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", header["date"])


def test_requirements_pin_torch_and_no_python_which_ci_sets_to_3_11():
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"^torch==2\.13\.0$", requirements, re.M)
    assert not re.search(r"^python\s*[=<>~!]", requirements, re.M | re.I)
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert re.findall(r'python-version: "([\d.]+)"', ci) and set(re.findall(r'python-version: "([\d.]+)"', ci)) == {
        "3.11"
    }


@pytest.mark.parametrize("lang, unpublished", [("zh", "这些笔记没有公开发表"), ("en", "The notes are not published")])
def test_the_about_page_says_the_notes_are_unpublished_and_no_page_points_to_them(lang, unpublished):
    assert unpublished in (DOCS / lang / "about.md").read_text(encoding="utf-8")
    for path in sorted(DOCS.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        assert "lesson.zh.txt" not in text and "source-lesson" not in text, path


@pytest.fixture
def agg():
    """matplotlib's Agg backend, which MPLBACKEND chooses for the pages' blocks (course/pytest_pages.py);
    other tests in this process may have switched to another (the figure scripts draw SVG)."""
    import matplotlib.pyplot as plt

    assert os.environ["MPLBACKEND"].lower() == "agg"
    before = plt.get_backend()
    plt.switch_backend("agg")
    yield plt
    plt.close("all")
    plt.switch_backend(before)


def test_matplotlib_s_cannot_be_shown_warning_is_left_out_though_python_attributes_it_to_the_page(agg, monkeypatch):
    monkeypatch.setenv("DISPLAY", ":0")  # where matplotlib warns: a display, but a backend that cannot use it
    page = ROOT / "docs" / "about-test.md"
    code = "import matplotlib.pyplot as plt\nimport warnings\nplt.plot([1, 2])\nplt.show()\nwarnings.warn('other')\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(code, str(page), "exec"), {"__name__": "__main__"})
    attributed = [(w.filename, str(w.message)) for w in caught if w.category is UserWarning]
    assert attributed[0] == (str(page), "FigureCanvasAgg is non-interactive, and thus cannot be shown")
    shown = harness().run_block(Block(page, 1, code, ""), {"__name__": "__main__"})
    assert shown == "UserWarning: other\n"  # the page's own other warning is still shown


def test_under_agg_plt_show_opens_no_window_renders_nothing_and_returns(agg):
    figure, axes = agg.subplots()
    axes.plot([1, 2])
    draws = []
    figure.canvas.mpl_connect("draw_event", draws.append)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "cannot be shown", where DISPLAY is set
        agg.show()
    assert draws == []
    figure.canvas.draw()
    assert len(draws) == 1  # rendering happens only when asked for (savefig, canvas.draw)


def test_the_timing_captions_are_typed_and_the_checkpointing_caption_is_filled_in_from_its_file():
    # What the about page says after `make measure` on another machine; change it if this changes.
    for lang in ("zh", "en"):
        lines = {
            page: [
                line
                for line in (DOCS / lang / page).read_text(encoding="utf-8").splitlines()
                if line.startswith("*") and "@@torch_version:" in line
            ]
            for page in ("forward-mode.md", "checkpointing.md")
        }
        timing, (memory,) = lines["forward-mode.md"], lines["checkpointing.md"]
        assert len(timing) == 2 and all(re.search(r"\d{4}-\d{2}-\d{2}", line) for line in timing)
        assert not any("@@date:" in line or "@@machine:" in line for line in timing)
        assert not re.search(r"\d{4}-\d{2}-\d{2}", memory) and "@@date:" in memory and "@@machine:" in memory
