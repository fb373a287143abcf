"""course/steps/page_facts.py: the pages write the torch pin as @@torch_version@@, and the build fills it in.

The version is typed in requirements.txt alone: no page types it, in any of the forms a page would
use (``torch 2.13.0``, ``torch==2.13.0``, ``2.13.0+cpu``, ``torch-2.13.0+cpu``, or ``2.13`` for the
pin's minor version). A small site is built with the hook to see the version on the built page; the
test runner's side is in tests/test_harness.py, the chapter notebooks' in
tests/test_hooks_chapter_notebooks.py.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from course.markdown_blocks import ROOT, MarkdownError, mkdocs_yml, parse_blocks
from course.plugin import STEPS
from course.site_facts import torch_version
from course.steps import page_facts
from course.steps.page_facts import MARKER, MarkerError, as_written, fill_in

PIN = torch_version()
PAGES = sorted(ROOT.glob("docs/**/*.md"))
LABS = sorted(ROOT.glob("docs/*/labs/*.ipynb"))


def typed_pin(version: str = PIN) -> re.Pattern:
    """The pin as a page would type it: in full, with a local label or a wheel's name around it, or
    by its minor version ("on torch 2.13"). Not another release of that minor version (2.13.1), nor
    a number that only contains it (12.13.0, 2.130)."""
    parts = version.split(".")
    minor, rest = ".".join(parts[:2]), "".join(f"\\.{re.escape(p)}" for p in parts[2:])
    return re.compile(rf"(?<![\d.]){re.escape(minor)}(?:{rest})?(?!\d|\.\d)")


def typed_lines(path: Path) -> list[str]:
    found = typed_pin()
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if found.search(line)
    ]


def test_no_page_or_lab_types_the_pinned_torch():
    typed = [line for path in PAGES + LABS for line in typed_lines(path)]
    assert typed == [], (
        f"requirements.txt pins torch {PIN}; write {MARKER} instead (or, in a measurement's caption, "
        "@@torch_version:<its data file>@@):\n" + "\n".join(typed)
    )


@pytest.mark.parametrize(
    "text",
    [
        "outputs from torch 2.13.0 (CPU)",
        "pip install torch==2.13.0 --index-url",
        "it reads `2.13.0+cpu`",
        "a file named torch-2.13.0+cpu-cp311",
        "on torch 2.13, clamp gives 1",
        "up to 2.13.0.",
        "在 torch 2.13 上",
        '"version": "2.13.0"',
    ],
)
def test_each_form_of_the_pin_is_found(text):
    assert typed_pin("2.13.0").search(text), text


@pytest.mark.parametrize("text", ["torch 2.13.1", "12.13.0", "2.130", "0.2.13", "tensor(2.1300)", "torch 2.14"])
def test_other_releases_and_numbers_are_not_the_pin(text):
    assert not typed_pin("2.13.0").search(text), text


def test_labs_write_no_marker_for_mkdocs_jupyter_renders_them_without_the_hook():
    # A lab that needs the version prints torch.__version__.
    for lab in LABS:
        cells = json.loads(lab.read_text(encoding="utf-8"))["cells"]
        assert not any("@@" in "".join(cell["source"]) for cell in cells), lab.relative_to(ROOT)


def test_every_page_s_markers_are_known():
    for path in PAGES:
        assert "@@" not in fill_in(path.read_text(encoding="utf-8"), path), path


def test_the_step_runs_right_after_site_config_before_any_step_reads_a_page():
    assert [step.__name__ for step in STEPS[:2]] == ["course.steps.site_config", "course.steps.page_facts"]
    assert list(mkdocs_yml()["plugins"])[-1] == "course", "the plugin runs after search and mkdocs-jupyter"


# --- fill_in and as_written ------------------------------------------------------------------------


def test_the_marker_is_the_pin_wherever_it_stands():
    assert fill_in(f"torch=={MARKER}\n`{MARKER}+cpu`, torch-{MARKER}+cpu\n") == (
        f"torch=={PIN}\n`{PIN}+cpu`, torch-{PIN}+cpu\n"
    )


def test_a_measurement_s_marker_is_the_torch_its_data_file_records(tmp_path, monkeypatch):
    monkeypatch.setattr(page_facts, "ROOT", tmp_path)
    (tmp_path / "timing.csv").write_text("# machine: x86_64\n# torch: 1.2.3+cpu\nsize,seconds\n1,0.5\n")
    assert fill_in("torch @@torch_version:timing.csv@@ on x86_64") == "torch 1.2.3 on x86_64"
    with pytest.raises(MarkerError, match=r"^p\.md:3: @@torch_version:gone\.csv@@ names a file that does not exist"):
        fill_in("\n\n@@torch_version:gone.csv@@\n", "p.md")
    (tmp_path / "untimed.csv").write_text("# machine: x86_64\nsize\n1\n")
    with pytest.raises(MarkerError, match=r"^p\.md:1: untimed\.csv records no torch version"):
        fill_in("@@torch_version:untimed.csv@@", "p.md")


def test_a_measurement_s_machine_processors_and_date_markers_are_the_lines_its_data_file_records(tmp_path, monkeypatch):
    monkeypatch.setattr(page_facts, "ROOT", tmp_path)
    (tmp_path / "timing.csv").write_text(
        "# machine: aarch64\n# processors: 8\n# torch: 1.2.3+cpu\n# date: 2031-01-02\nsize,seconds\n1,0.5\n"
    )
    caption = "@@machine:timing.csv@@, @@processors:timing.csv@@ processors, @@date:timing.csv@@"
    assert fill_in(caption) == "aarch64, 8 processors, 2031-01-02"
    (tmp_path / "undated.csv").write_text("# machine: x86_64\nsize\n1\n")
    with pytest.raises(MarkerError, match=r"^p\.md:2: undated\.csv records no date \(a line `# date: <value>`\)"):
        fill_in("\n@@date:undated.csv@@", "p.md")
    with pytest.raises(MarkerError, match=r"^p\.md:1: @@processors:gone\.csv@@ names a file that does not exist"):
        fill_in("@@processors:gone.csv@@", "p.md")
    with pytest.raises(MarkerError, match=r"'@@cpu:timing\.csv@@' is no marker"):
        fill_in("@@cpu:timing.csv@@", "p.md")


def test_the_measurements_on_the_pages_name_files_that_record_their_torch():
    captions = [
        (path, line)
        for path in PAGES
        for line in path.read_text(encoding="utf-8").splitlines()
        if "@@torch_version:" in line
    ]
    assert len(captions) == 6  # checkpointing's figure and forward-mode's two, in both languages
    for path, line in captions:
        data = re.search(r"@@torch_version:(?P<data>[^@]+)@@", line)["data"]
        recorded = re.search(r"^# torch: (\S+)$", (ROOT / data).read_text(encoding="utf-8"), re.M)[1]
        assert recorded.split("+")[0] in fill_in(line, path), (path, data)


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("torch @@torch_versoin@@ (CPU)", "'@@torch_versoin@@'"),
        ("torch @@ torch_version @@", "'@@ torch_version @@'"),
        ("torch==@@torch_version", "'@@torch_version'"),
        ("torch {{ torch_version }}", "'{{ torch_version }}'"),
        ("torch {{torch_versoin}}", "'{{torch_versoin}}'"),
    ],
)
def test_a_misspelt_marker_is_an_error_naming_page_and_line(line, shown):
    with pytest.raises(MarkerError, match=rf"^docs/zh/p\.md:12: {re.escape(shown)} is no marker: .*{MARKER}"):
        fill_in(f"{line}\n", "docs/zh/p.md", 12)


def test_python_s_and_jinja_s_own_braces_are_left_alone():
    code = 'print(f"{{x}}", {"a": {"b": 1}}, a @ b @ c)\n'
    assert fill_in(code) == code


def test_the_parser_stops_at_a_misspelt_marker_anywhere_on_the_page(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("# P\n\nOutputs from torch @@torch_versoin@@.\n\n```python\nprint(1)\n```\n", encoding="utf-8")
    with pytest.raises(MarkdownError, match=r"p\.md:3: '@@torch_versoin@@' is no marker"):
        parse_blocks(page)


def test_what_a_block_prints_is_written_with_the_marker_for_the_pin():
    printed = f"{PIN}\ntorch=={PIN}+cpu torch-{PIN}.dist-info\n"
    assert as_written(printed) == f"{MARKER}\ntorch=={MARKER}+cpu torch-{MARKER}.dist-info\n"
    others = f"1{PIN} {PIN}1 {PIN}.1 {PIN[:-1]}\n"
    assert as_written(others) == others
    assert fill_in(as_written(printed)) == printed


# --- a small site built with the hook -------------------------------------------------------------

SITE = """\
site_name: Facts
docs_dir: docs
site_dir: site
theme:
  name: material
  font: false
hooks:
  - {hook}
markdown_extensions:
  - pymdownx.highlight
  - pymdownx.superfences
"""

PAGE = """\
---
description: Outputs from torch @@torch_version@@.
---

# Facts

Every output comes from **torch @@torch_version@@**.

```sh
python -m pip install torch==@@torch_version@@
```

```python
print("@@torch_version@@")
```
"""


def build_site(tmp_path: Path, page: str) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(textwrap.dedent(page), encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        SITE.format(hook=ROOT / "course" / "steps" / "page_facts.py"), encoding="utf-8"
    )
    build(load_config(str(tmp_path / "mkdocs.yml")))
    return tmp_path / "site" / "index.html"


def test_the_built_page_shows_the_pin_in_its_prose_code_and_description(tmp_path):
    html = build_site(tmp_path, PAGE).read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    assert f"Every output comes from torch {PIN}." in text
    assert f"python -m pip install torch=={PIN}" in text
    assert f"print(&quot;{PIN}&quot;)" in text or f'print("{PIN}")' in text
    assert f'<meta name="description" content="Outputs from torch {PIN}.">' in html
    assert "@@" not in html


def test_a_misspelt_marker_stops_the_build_naming_the_page_and_its_line(tmp_path, caplog):
    # Line 10 of the file: the front matter counts, as in an editor.
    page = PAGE.replace("torch==@@torch_version@@", "torch==@@torch_versoin@@")
    with pytest.raises(Abort):
        build_site(tmp_path, page)
    assert re.search(r"page_facts: \S*docs/index\.md:10: '@@torch_versoin@@' is no marker", caplog.text), caplog.text
