"""The home page's counts and lists, against mkdocs.yml's nav (docs/<lang>/index.md).

The home page says how many Course pages there are, lists them in order, points each question a
D2L §2.5 reader may have at a page, lists the labs and names pages under "Going deeper". Each of
those is read off the nav here, so adding or moving a page without updating the home page fails.
What it says of shown errors and warnings (type and message, the build-specific tail of some
warnings as "…") is checked against every output the pages show.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NUMBER_WORDS = {
    "zh": "一二三四五六七八九十",
    "en": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
}
COUNT_SENTENCE = {"zh": r"用(\S)个页面", "en": r"in (\w+) pages"}
LINK = re.compile(r"\]\(([^)#\s]+\.(?:md|ipynb))(?:#[^)]*)?\)")


class Loader(yaml.SafeLoader):
    pass


Loader.add_multi_constructor("", lambda loader, suffix, node: None)  # MkDocs' own tags


def nav_sections() -> list[list[str]]:
    nav = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)["nav"]
    return [pages for item in nav if isinstance(item, dict) for pages in item.values() if isinstance(pages, list)]


SECTIONS = nav_sections()
COURSE = next(pages for pages in SECTIONS if len(pages) >= 5)  # as tests/test_course_shape.py finds it
DEEPER = SECTIONS[SECTIONS.index(COURSE) + 2]  # 课程, 练习与参考, 深入
LABS = [pages for pages in SECTIONS if all(p.startswith("labs/") for p in pages)][0]


def section(lang: str, anchor: str) -> str:
    text = (ROOT / "docs" / lang / "index.md").read_text(encoding="utf-8")
    start = text.index(f"{{ #{anchor} }}")
    end = text.find("\n## ", start)
    return text[start : end if end >= 0 else None]


def test_the_nav_sections_are_the_ones_this_test_reads():
    assert "basics.md" in COURSE and "from-scratch.md" in DEEPER and "labs/basics-lab.ipynb" in LABS


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_home_page_counts_the_course_pages_as_the_nav_does(lang):
    text = (ROOT / "docs" / lang / "index.md").read_text(encoding="utf-8")
    (word,) = re.findall(COUNT_SENTENCE[lang], text)
    assert list(NUMBER_WORDS[lang]).index(word) + 1 == len(COURSE)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_course_path_says_its_pages_are_enough_and_counts_them_as_the_nav_does(lang):
    text = section(lang, "course-path")
    pattern = (
        r"读完学习路线的(\S)页就够了" if lang == "zh" else r"The (\w+) pages of the\s+course path are all you need"
    )
    (word,) = re.findall(pattern, text)
    assert list(NUMBER_WORDS[lang]).index(word) + 1 == len(COURSE)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_exercises_the_home_page_excepts_are_the_ones_whose_read_first_names_a_going_deeper_page(lang):
    # "The eight pages are all you need, with one exception: Exercises 8 and 9 ask you to read parts of
    # forward-mode.md first" must match what exercises.md's "Read first" lines link to.
    exercises = (ROOT / "docs" / lang / "exercises.md").read_text(encoding="utf-8")
    label, read_first = ("练习", "**先读：**") if lang == "zh" else ("Exercise", "**Read first:**")
    deeper_first = {}
    for block in re.split(rf'^!!! question "(?={label} \d)', exercises, flags=re.M)[1:]:
        number = int(re.match(rf"{label} (\d+)", block).group(1))
        lines = [line for line in block.splitlines() if line.strip().startswith(read_first)]
        pages = {target for line in lines for target in LINK.findall(line)}
        assert pages <= set(COURSE) | set(DEEPER), (number, pages)
        if pages & set(DEEPER):
            deeper_first[number] = pages & set(DEEPER)
    assert deeper_first == {8: {"forward-mode.md"}, 9: {"forward-mode.md"}}
    text = section(lang, "course-path")
    said = (
        r"练习 8 和 9 要先读\[[^\]]+\]\(forward-mode\.md\)"
        if lang == "zh"
        else (r"Exercises 8 and 9 there ask you to read parts of\s+\[[^\]]+\]\(forward-mode\.md\) first")
    )
    assert re.search(said, text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_course_path_lists_every_course_page_of_the_nav_in_its_order(lang):
    items = re.findall(r"^\d+\. \[[^\]]+\]\(([^)]+)\)$", section(lang, "course-path"), re.M)
    assert items == COURSE


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_course_page_answers_a_question_of_the_table_and_the_rows_follow_the_course(lang):
    rows = [line for line in section(lang, "questions-after-d2l").splitlines() if line.startswith("| ")][1:]
    targets = [LINK.findall(row)[-1] for row in rows]
    assert sorted(set(targets), key=targets.index) == COURSE


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pages_named_as_going_deeper_are_in_that_section_of_the_nav(lang):
    text = section(lang, "questions-after-d2l")
    paragraph = text[text.index("\n\n", text.rindex("| ")) :]
    named = [target for target in LINK.findall(paragraph) if target not in ("errors.md", "glossary.md")]
    assert named and set(named) <= set(DEEPER)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_several_going_deeper_pages_have_exercises_as_the_home_page_says(lang):
    label = "练习" if lang == "zh" else "Exercise"
    with_exercises = [
        page
        for page in DEEPER
        if re.search(rf'^!!! question "{label} \d', (ROOT / "docs" / lang / page).read_text(encoding="utf-8"), re.M)
    ]
    assert len(with_exercises) >= 2


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_labs_listed_are_the_labs_of_the_nav(lang):
    listed = [target for target in LINK.findall(section(lang, "labs")) if target.startswith("labs/")]
    assert listed == LABS


def shown_outputs():
    """(page, output) for every output shown under a Python block, both languages."""
    from course.markdown_blocks import parse_blocks

    for lang in ("zh", "en"):
        for page in sorted((ROOT / "docs" / lang).rglob("*.md")):
            for block in parse_blocks(page):
                if block.expected is not None:
                    yield page, block.expected.body


def test_errors_and_warnings_are_shown_as_type_and_message_without_traceback_file_or_line():
    # What the home page's "What you can trust" says of every shown output (course/pytest_pages.py's run_block).
    kinds = set()
    for page, body in shown_outputs():
        assert "Traceback (most recent call last)" not in body, page
        for line in body.splitlines():
            assert not re.search(r"\.py:\d+: \w+Warning", line), (page, line)
            shown = re.match(r"\s*(\w+(?:Error|Warning)): ", line)
            if shown:
                kinds.add(shown.group(1))
    assert {"RuntimeError", "UserWarning"} <= kinds


def test_the_build_specific_tail_shown_as_an_ellipsis_ends_some_warnings_and_no_error_message():
    tails = [
        (page, line)
        for page, body in shown_outputs()
        for line in body.splitlines()
        if "(Triggered internally at …)" in line
    ]
    assert tails
    for page, line in tails:
        assert re.match(r"\s*\w+Warning: ", line), (page, line)
