"""The versions page and the notes under outputs are built from versions/torch-versions.json.

Only the committed data are used: nothing here installs or runs another torch.
"""

from __future__ import annotations

import copy
import re

import pytest

from course.markdown_blocks import ROOT, code_digest, parse_blocks
from course.site_facts import site_languages, strings, torch_version
from course.steps.page_facts import fill_in
from course.steps.version_notes import MARKER, chapter, differences, digests_of, load, note_under_blocks, summary

LANGUAGES = site_languages()
WORDS = {language: strings(language)["versions"] for language in LANGUAGES}  # overrides/locales/<lang>.yml


@pytest.fixture(scope="module")
def data():
    return load()


def first_difference(data, page):
    """(release, record) of the first block of ``page`` that some release prints differently."""
    for release, run in data["versions"].items():
        for record in run["pages"].get(page, []):
            if record["status"] == "different":
                return release, record
    raise AssertionError(f"no recorded difference on {page}")


def as_recorded_now(data, page):
    """A copy of the data whose records of ``page`` carry the digests of its blocks as they are now,
    as if `make versions` had just run: the mechanism is tested even while the page is being edited."""
    fresh = copy.deepcopy(data)
    digests = digests_of(parse_blocks(ROOT / page))
    for run in fresh["versions"].values():
        for record in run["pages"].get(page, []):
            record["code"] = digests.get(record["block"], record["code"])
    return fresh


def test_changing_a_row_of_the_data_changes_the_page(data):
    page = "docs/zh/detach.md"
    data = as_recorded_now(data, page)
    before = chapter(data, page, WORDS["zh"])
    release, record = first_difference(data, page)
    changed = copy.deepcopy(data)
    target = next(r for r in changed["versions"][release]["pages"][page] if r["block"] == record["block"])
    target["diff"] = target["diff"].replace(target["diff"].splitlines()[-1], "+something a new release prints")
    after = chapter(changed, page, WORDS["zh"])
    assert after != before and "+something a new release prints" in after

    # A block recorded as the same everywhere leaves the chapter's table.
    for run in changed["versions"].values():
        for entry in run["pages"].get(page, []):
            entry["status"] = "same"
    assert chapter(changed, page, WORDS["zh"]) == WORDS["zh"]["nothing"] + "\n"


def test_a_chapter_where_nothing_differs_says_so(data):
    for language in LANGUAGES:
        assert chapter(data, f"docs/{language}/basics.md", WORDS[language]) == WORDS[language]["nothing"] + "\n"


def test_the_summary_counts_every_block_of_every_release(data):
    table = summary(data, WORDS["en"])
    blocks = sum(len(parse_blocks(path)) for path in sorted((ROOT / "docs").rglob("*.md")))
    for release, run in data["versions"].items():
        row = next(line for line in table.splitlines() if line.startswith(f"| {run['torch']}"))
        numbers = [int(cell) for cell in row.split("|")[3:6]]
        assert sum(numbers) == blocks, f"{release}: the data do not cover every block of docs/"
    assert f"{torch_version()}+" in table or f"| {torch_version()} " in table


def test_the_data_cover_the_pin_a_newer_and_an_older_release(data):
    releases = set(data["versions"])
    assert torch_version() in releases
    assert any(r.startswith("2.14.") for r in releases) and any(r.startswith("2.0.") for r in releases)
    # On the pin, every block prints what its page shows: the pages were made with it.
    pin = data["versions"][torch_version()]
    assert {record["status"] for records in pin["pages"].values() for record in records} == {"same"}
    for run in data["versions"].values():
        assert {"torch", "python", "date", "machine", "pages"} <= set(run)


def test_a_block_that_differs_gets_a_note_linking_to_its_row(data):
    page = "docs/en/detach.md"
    data = as_recorded_now(data, page)
    release, record = first_difference(data, page)
    text = (ROOT / page).read_text(encoding="utf-8")
    noted = note_under_blocks(text, page, data, WORDS["en"])
    anchor = f"versions.md#detach-{record['block']}"
    assert anchor in noted and anchor not in text
    line = next(line for line in noted.splitlines() if anchor in line)
    assert release in line and "[What changes across torch versions]" in line
    # The row it links to exists on the versions page.
    assert f"{{ #detach-{record['block']} .version-block }}" in chapter(data, page, WORDS["en"])


def test_a_block_edited_since_the_record_gets_no_note(data):
    page = "docs/en/detach.md"
    _, record = first_difference(data, page)
    stale = copy.deepcopy(data)
    for run in stale["versions"].values():
        for entry in run["pages"].get(page, []):
            entry["code"] = "0" * 12
    text = (ROOT / page).read_text(encoding="utf-8")
    assert note_under_blocks(text, page, stale, WORDS["en"]) == text
    assert differences(stale, page, {record["block"]: "f" * 12}) == {}


def test_a_record_is_matched_to_the_code_the_page_writes_not_to_the_filled_in_markdown(tmp_path):
    # The hook gets the page with @@torch_version@@ filled in (course/steps/page_facts.py runs first); the
    # record names the code with the marker, as the page file writes it.
    path = tmp_path / "pinned.md"
    path.write_text('```python\nprint("@@torch_version@@")\n```\n', encoding="utf-8")
    (block,) = parse_blocks(path)
    record = {"block": 1, "line": 1, "code": code_digest(block.code), "status": "different", "diff": ""}
    data = {"versions": {"9.9.9": {"pages": {str(path): [record]}}}}
    markdown = fill_in(path.read_text(encoding="utf-8"), path)
    assert torch_version() in markdown
    noted = note_under_blocks(markdown, str(path), data, WORDS["en"])
    assert "On torch 9.9.9 this output differs" in noted


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_chapter_with_code_has_its_place_on_the_versions_page(language):
    text = (ROOT / "docs" / language / "versions.md").read_text(encoding="utf-8")
    marked = {m["what"] for m in MARKER.finditer(text)} - {"summary"}
    with_code = {path.name for path in (ROOT / "docs" / language).glob("*.md") if parse_blocks(path)}
    assert marked == with_code
    assert "<!-- versions: summary -->" in text
    # Each marker stands in the section whose anchor is the chapter's file name.
    heading = None
    for line in text.splitlines():
        if found := re.match(r"^#+ .*\{ #(?P<anchor>[\w-]+) \}$", line):
            heading = found["anchor"]
        elif found := MARKER.match(line):
            assert found["what"] == "summary" or heading == found["what"][:-3], f"{found['what']} under #{heading}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_note_leads_to_an_anchor_of_the_versions_page(data, language):
    notes = 0
    for path in sorted((ROOT / "docs" / language).glob("*.md")):
        page = f"docs/{language}/{path.name}"
        text = path.read_text(encoding="utf-8")
        noted = note_under_blocks(text, page, data, WORDS[language])
        added = [line for line in noted.splitlines() if "versions.md#" in line and line not in text.splitlines()]
        targets = [re.search(r"\(versions\.md#([\w-]+)\)", line)[1] for line in added]
        table = chapter(data, page, WORDS[language]) if targets else ""
        for target in targets:
            assert f"{{ #{target} " in table or f'id="{target}"' in table, f"{page}: no anchor {target}"
        notes += len(targets)
    assert notes > 0
