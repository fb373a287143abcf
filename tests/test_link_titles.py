"""One name per page: a link to another page of the site says that page's title.

A Markdown link to another page, ``[text](page.md)`` or ``[text](page.md#anchor)``, has as its text the
target page's title in the link's own language: the ``# H1`` of ``page.<lang>.md`` without its
``{ #anchor }``. The rules, in full:

1. The first letter's case may differ, so that a title can sit inside an English sentence
   ("look it up in the [error reference](errors.md)").
2. A short form listed in SHORT_FORMS below is accepted as well. Keep that list short: at most one per
   page, and only for a title too long to repeat in running text.
3. A link to a section (``page.md#anchor``) may instead carry that section's heading, the heading that
   bears ``{ #anchor }`` (inline-code backticks are ignored on both sides): the reader lands on it.
4. A link whose whole text is inline code, `` [`torch.autograd.grad`](backward-twice.md#autograd-grad) ``,
   names the code, not the page: it is accepted only when it points at a section (an anchor), the place
   where that code is explained, never at a whole page.
5. A link to a lab (``labs/<name>.ipynb``) carries the lab's title, the notebook's first ``# `` line in
   the link's language.

Not checked: links within a page (``#anchor``), links to other sites, images, and anything inside code
(fenced blocks and inline code spans).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from course.markdown_blocks import ROOT, read_fences
from course.site_facts import site_languages

DOCS = ROOT / "docs"
LANGUAGES = site_languages()  # mkdocs.yml's extra.alternate

# Accepted short forms, per language: page name -> short form. Keep it short (see rule 2).
SHORT_FORMS = {
    "zh": {
        "forward-mode": "前向模式",
        "graph-and-leaves": "计算图与叶子张量",
    },
    "en": {
        "forward-mode": "Forward mode",
    },
}

# [text](target): not an image (no "!" before), target without spaces.
LINK = re.compile(r"(?<!!)\[(?P<text>[^\]\n]+)\]\((?P<target>[^)\s]+)\)")
INLINE_CODE = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6} +(?P<title>.*?) *\{ *#(?P<anchor>[A-Za-z0-9_-]+)[^}]*\} *$")


@dataclass(frozen=True)
class Link:
    page: Path
    lineno: int
    text: str
    target: str

    @property
    def where(self) -> str:
        shown = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page.name
        return f"{shown}:{self.lineno}"


def language_of(page: Path, docs: Path = DOCS) -> str:
    """docs/<lang>/… is in <lang>."""
    return page.relative_to(docs).parts[0]


def prose_lines(page: Path) -> list[tuple[int, str]]:
    """The page's lines outside fenced code blocks, numbered from 1."""
    text = page.read_text(encoding="utf-8")
    fenced = {n for fence, _ in read_fences(text, page) for n in range(fence.lineno, fence.end_lineno + 1)}
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if n not in fenced]


def links_to_other_pages(page: Path) -> list[Link]:
    found = []
    for lineno, line in prose_lines(page):
        for match in LINK.finditer(line):
            before = line[: match.start()]
            if before.count("`") % 2:  # the "[" sits inside an inline code span
                continue
            target = match.group("target")
            if target.startswith(("#", "http://", "https://", "mailto:")):
                continue
            found.append(Link(page, lineno, match.group("text"), target))
    return found


def plain(text: str) -> str:
    return text.replace("`", "").strip()


def same_title(text: str, title: str) -> bool:
    text, title = plain(text), plain(title)
    return text == title or (text[:1].lower() + text[1:]) == (title[:1].lower() + title[1:])


def page_title(path: Path) -> str:
    for _, line in prose_lines(path):
        if line.startswith("# "):
            return re.sub(r"\s*\{[^}]*\}\s*$", "", line[2:]).strip()
    raise AssertionError(f"{path} has no # title")


def section_headings(path: Path) -> dict[str, str]:
    return {m.group("anchor"): m.group("title") for _, line in prose_lines(path) if (m := HEADING.match(line))}


TERM = re.compile(r'<span id="(?P<anchor>[a-z0-9-]+)"></span>(?P<term>[^|]+)\|')


def table_terms(path: Path) -> dict[str, str]:
    """Anchors on table rows (the glossary's terms): a link to one may say the term."""
    return {m.group("anchor"): m.group("term").strip() for _, line in prose_lines(path) for m in TERM.finditer(line)}


def lab_title(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{path} has no # title")


def problem_with(link: Link, docs: Path = DOCS, short_forms: dict = SHORT_FORMS) -> str | None:
    """Why this link's text does not name its target, or None when it does."""
    language = language_of(link.page, docs)
    path_part, _, anchor = link.target.partition("#")
    name, dot, extension = path_part.rpartition(".")
    if not dot or extension not in ("md", "ipynb"):
        return None  # a figure, a download: not a page
    target_file = (link.page.parent / f"{name}.{extension}").resolve()
    if not target_file.exists():
        return f"{link.where}: [{link.text}]({link.target}) points at no page ({target_file.name} is missing)"
    if extension == "ipynb":
        title = lab_title(target_file)
        return (
            None
            if same_title(link.text, title)
            else (f"{link.where}: [{link.text}]({link.target}) should say the lab's title: {title}")
        )
    title = page_title(target_file)
    accepted = [title]
    short = short_forms.get(language, {}).get(target_file.relative_to(docs / language).with_suffix("").as_posix())
    if short:
        accepted.append(short)
    is_code = bool(re.fullmatch(r"`[^`]+`", link.text.strip()))
    if anchor:
        heading = section_headings(target_file).get(anchor) or table_terms(target_file).get(anchor)
        if heading:
            accepted.append(heading)
        if is_code:
            return None
    elif is_code:
        return f"{link.where}: [{link.text}]({link.target}): an inline-code link text must point at a section (#anchor)"
    if any(same_title(link.text, candidate) for candidate in accepted):
        return None
    return f"{link.where}: [{link.text}]({link.target}) should say " + " or ".join(f"“{a}”" for a in accepted)


def problems(docs: Path = DOCS, short_forms: dict = SHORT_FORMS) -> list[str]:
    found = []
    for page in sorted(docs.glob("**/*.md")):
        if language_of(page, docs) not in LANGUAGES:
            continue
        for link in links_to_other_pages(page):
            problem = problem_with(link, docs, short_forms)
            if problem:
                found.append(problem)
    return found


def test_every_link_to_another_page_says_its_title():
    found = problems()
    assert found == [], "link texts that do not name their page:\n" + "\n".join(found)


def test_short_forms_are_few_and_shorter_than_the_titles():
    for language, forms in SHORT_FORMS.items():
        assert len(forms) <= 3, f"{language}: keep the list of short forms short"
        for name, short in forms.items():
            title = page_title(DOCS / language / f"{name}.md")
            assert len(short) < len(title), (language, name)


# --- the check itself, on planted pages -----------------------------------------------------------


def planted(tmp_path: Path, body: str, language: str = "zh") -> list[str]:
    for folder in ("zh", "en"):
        (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / "zh" / "basics.md").write_text(
        "# 自动微分基础 { #autograd-basics }\n\n## 反向传播 { #backpropagation }\n"
    )
    (tmp_path / "en" / "basics.md").write_text(
        "# Autograd basics { #autograd-basics }\n\n## Backpropagation { #backpropagation }\n"
    )
    (tmp_path / language / "page.md").write_text(f"# Page {{ #page }}\n\n{body}\n")
    return problems(tmp_path, short_forms={"zh": {"basics": "基础"}, "en": {}})


def test_a_wrong_link_text_is_reported(tmp_path):
    assert planted(tmp_path, "见[基础知识](basics.md)。") == [
        "page.md:3: [基础知识](basics.md) should say “自动微分基础” or “基础”"
    ]


def test_title_short_form_section_heading_and_code_are_accepted(tmp_path):
    body = "\n".join(
        [
            "[自动微分基础](basics.md)、[基础](basics.md)、[反向传播](basics.md#backpropagation)、",
            "[`y.backward()`](basics.md#backpropagation)、[内部](#page)、![图](figures/x.svg)、`[不是链接](basics.md)`。",
            "```python",
            "print('[not a link](basics.md)')",
            "```",
        ]
    )
    assert planted(tmp_path, body) == []


def test_english_titles_may_start_lower_case_inside_a_sentence(tmp_path):
    assert planted(tmp_path, "See [autograd basics](basics.md).", language="en") == []
    assert planted(tmp_path, "See [the basics](basics.md).", language="en") == [
        "page.md:3: [the basics](basics.md) should say “Autograd basics”"
    ]


def test_inline_code_must_point_at_a_section(tmp_path):
    assert planted(tmp_path, "[`backward()`](basics.md)") == [
        "page.md:3: [`backward()`](basics.md): an inline-code link text must point at a section (#anchor)"
    ]


def test_a_link_to_a_missing_page_is_reported(tmp_path):
    assert planted(tmp_path, "[别处](elsewhere.md)") == [
        "page.md:3: [别处](elsewhere.md) points at no page (elsewhere.md is missing)"
    ]
