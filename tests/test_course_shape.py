"""The Course is written for a learner fresh from D2L §2.5: short pages, exercises on each, no notes.

The Course is the first section of mkdocs.yml's nav that holds several pages. On each of its pages:
the prose a learner reads without unfolding anything (outside code, math, HTML comments and `???`
blocks) is at most 1,200 Chinese characters or 900 English words, the Chinese Course at most 8,000
in all; folded prose is no longer than open prose; at most 10 Python blocks are open; two or three
exercises, each with its answer folded under it and checked by a block that shows its output. No
Course page, nor the home and exercises pages, refers to the notes the course grew out of (the
about page credits them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from figure_style import site_languages

from course.markdown_blocks import ROOT

DOCS = ROOT / "docs"
OPEN_LIMIT = {"zh": 1200, "en": 900}
ZH_COURSE_LIMIT = 8000
OPEN_BLOCKS = 10
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(\S*)")
FOLD = re.compile(r"^(\s*)\?\?\?\+?\s")
EXERCISE = re.compile(r'^(\s*)!!! question "(练习|Exercise) \d+[：:]')
ANSWER = re.compile(r'^(\s*)\?\?\? success "(答案|Answer)"')
NOTES = {
    "zh": re.compile(r"笔记|In \[\d+\]|Out\[\d+\]"),
    "en": re.compile(
        r"\bthe lesson\b|\blesson's\b|\b(the|these|its|our|your|learner's) notes\b|In \[\d+\]|Out\[\d+\]", re.I
    ),
}


class Loader(yaml.SafeLoader):
    pass


Loader.add_multi_constructor("", lambda loader, suffix, node: None)  # MkDocs' own tags


def course_pages(config: Path = ROOT / "mkdocs.yml") -> list[str]:
    for item in yaml.load(config.read_text(encoding="utf-8"), Loader=Loader)["nav"]:
        if isinstance(item, dict):
            (pages,) = item.values()
            if isinstance(pages, list) and len(pages) >= 5:
                return pages
    raise AssertionError("mkdocs.yml's nav has no section of several pages")


COURSE = course_pages()
LANGUAGES = site_languages()


@dataclass
class Shape:
    open_prose: list[str] = field(default_factory=list)
    folded_prose: list[str] = field(default_factory=list)
    open_blocks: int = 0
    blocks: int = 0
    exercises: list[int] = field(default_factory=list)  # line of each exercise
    answered: list[int] = field(default_factory=list)  # line of each exercise whose answer is right under it
    checked_answers: list[int] = field(default_factory=list)  # line of each answer holding a checked block


def shape_of(text: str) -> Shape:
    text = re.sub(r"\A---\n.*?\n---\n", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    shape = Shape()
    lines = text.split("\n")
    fence = None
    fold_indent = None
    last_exercise = None
    answer = None
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if fence is not None:
            if FENCE.match(line) and stripped.strip("`~") == "":
                fence = None
            continue
        if fold_indent is not None and stripped and indent <= fold_indent:
            fold_indent = None
            answer = None
        m = FENCE.match(line)
        if m:
            fence = m.group(2)
            if m.group(3) == "python":
                shape.blocks += 1
                if fold_indent is None:
                    shape.open_blocks += 1
                elif answer is not None and answer not in shape.checked_answers:
                    shape.checked_answers.append(answer)
            continue
        if EXERCISE.match(line):
            shape.exercises.append(n)
            last_exercise = n
        elif ANSWER.match(line) and last_exercise is not None:
            shape.answered.append(last_exercise)
            answer = n
            last_exercise = None
        if FOLD.match(line):
            fold_indent = indent
        (shape.folded_prose if fold_indent is not None else shape.open_prose).append(line)
    return shape


def prose_size(lines: list[str], language: str) -> int:
    text = "\n".join(lines)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`", " ", text, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # a link's address is not prose
    if language == "zh":
        return len(re.findall(r"[\u4e00-\u9fff]", text))
    return len(re.findall(r"[A-Za-z][A-Za-z'’-]*", re.sub(r"[#>*_\[\]()!|-]", " ", text)))


def shape(language: str, page: str) -> Shape:
    return shape_of((DOCS / language / page).read_text(encoding="utf-8"))


PAGES = [(lang, page) for lang in LANGUAGES for page in COURSE]
IDS = [f"{lang}/{page}" for lang, page in PAGES]


@pytest.mark.parametrize(("language", "page"), PAGES, ids=IDS)
def test_a_course_page_is_short_enough_to_read_in_one_sitting(language, page):
    s = shape(language, page)
    open_size, folded_size = prose_size(s.open_prose, language), prose_size(s.folded_prose, language)
    assert open_size <= OPEN_LIMIT[language], f"{language}/{page}: {open_size} of prose, limit {OPEN_LIMIT[language]}"
    assert folded_size <= open_size, f"{language}/{page}: {folded_size} folded against {open_size} open"
    assert s.open_blocks <= OPEN_BLOCKS, f"{language}/{page}: {s.open_blocks} open Python blocks"


def test_the_chinese_course_is_at_most_8000_characters():
    total = sum(prose_size(shape("zh", page).open_prose, "zh") for page in COURSE)
    assert total <= ZH_COURSE_LIMIT


@pytest.mark.parametrize(("language", "page"), PAGES, ids=IDS)
def test_every_course_page_ends_with_two_or_three_exercises_answered_and_checked(language, page):
    s = shape(language, page)
    assert 2 <= len(s.exercises) <= 3, f"{language}/{page}: {len(s.exercises)} exercises"
    assert s.answered == s.exercises, f"{language}/{page}: an exercise without its folded answer right under it"
    assert len(s.checked_answers) == len(s.exercises), f"{language}/{page}: an answer without a Python block"


@pytest.mark.parametrize(
    ("language", "page"),
    [(lang, page) for lang in LANGUAGES for page in [*COURSE, "index.md", "exercises.md"]],
    ids=lambda v: v,
)
def test_no_learner_page_leans_on_notes_the_reader_never_sees(language, page):
    text = (DOCS / language / page).read_text(encoding="utf-8")
    found = [
        f"{language}/{page}:{n}: {line.strip()[:80]}"
        for n, line in enumerate(text.splitlines(), 1)
        if NOTES[language].search(line)
    ]
    assert found == []


def test_the_shape_reader_counts_open_and_folded_prose_blocks_and_answers():
    page = "\n".join(
        [
            "---",
            "description: 不算",
            "---",
            "# 标题 { #t }",
            "正文四字",
            "<!-- 注释不算 -->",
            "```python",
            "print('代码不算')",
            "```",
            '!!! question "练习 1：题"',
            "    题目",
            '??? success "答案"',
            "    折叠内容",
            "    ```python",
            "    print(1)",
            "    ```",
            "再开",
            '!!! question "练习 2：题"',
            "    无答",
        ]
    )
    s = shape_of(page)
    assert prose_size(s.open_prose, "zh") == len("标题正文四字练习题题目再开练习题无答")
    assert prose_size(s.folded_prose, "zh") == len("答案折叠内容")
    assert (s.open_blocks, s.blocks) == (1, 2)
    assert s.exercises == [10, 18] and s.answered == [10] and s.checked_answers == [12]
