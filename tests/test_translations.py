"""Every page exists in Chinese and English, with the same anchors and the same code."""

import io
import re
import tokenize
from pathlib import Path

import pytest

from markdown_blocks import ROOT, parse_blocks, read_fences

DOCS = ROOT / "docs"
LANGUAGES = ("zh", "en")
ANCHOR = re.compile(r"^#{1,6} .*\{ *#(?P<anchor>[A-Za-z0-9_-]+)[^}]*\} *$", re.MULTILINE)


# Page names without the language suffix: "basics" for basics.zh.md and basics.en.md.
PAGES = sorted({str(p.relative_to(DOCS).with_name(p.name.split(".")[0])) for p in DOCS.glob("**/*.md")})


def missing_translations(docs: Path = DOCS) -> list[str]:
    problems = []
    for page in sorted(docs.glob("**/*.md")):
        parts = page.name.split(".")
        if len(parts) != 3 or parts[1] not in LANGUAGES:
            problems.append(f"{page.relative_to(docs)}: a page is named <name>.zh.md or <name>.en.md")
            continue
        for other in LANGUAGES:
            twin = page.with_name(f"{parts[0]}.{other}.md")
            if not twin.exists():
                problems.append(f"{page.relative_to(docs)} has no translation {twin.relative_to(docs)}")
    return problems


def test_every_page_exists_in_both_languages():
    assert missing_translations() == []


def test_a_missing_translation_is_reported_by_name(tmp_path):
    (tmp_path / "lonely.zh.md").write_text("# 孤单\n")
    assert missing_translations(tmp_path) == ["lonely.zh.md has no translation lonely.en.md"]


def code_without_comments(code: str) -> str:
    """The statements of a block: comments and blank lines dropped, so they may be translated."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.COMMENT]
    lines = tokenize.untokenize(tokens).splitlines()
    return "\n".join(line.rstrip() for line in lines if line.strip())


def twins(name: str) -> tuple[Path, Path]:
    return DOCS / f"{name}.zh.md", DOCS / f"{name}.en.md"


@pytest.mark.parametrize("name", PAGES)
def test_same_heading_anchors(name):
    zh, en = twins(name)
    if not (zh.exists() and en.exists()):
        pytest.fail(f"{name}: one language is missing (see test_every_page_exists_in_both_languages)")
    assert ANCHOR.findall(zh.read_text(encoding="utf-8")) == ANCHOR.findall(en.read_text(encoding="utf-8"))


def headings_without_anchor(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    fenced = {n for fence, _ in read_fences(text, path) for n in range(fence.lineno, fence.end_lineno + 1)}
    return [
        f"{path.name}:{n}: {line}"
        for n, line in enumerate(text.splitlines(), 1)
        if n not in fenced and re.match(r"^#{1,6} ", line) and not ANCHOR.match(line)
    ]


@pytest.mark.parametrize("name", PAGES)
def test_every_heading_has_an_explicit_anchor(name):
    for path in twins(name):
        if path.exists():
            assert headings_without_anchor(path) == []


@pytest.mark.parametrize("name", PAGES)
def test_same_code_and_outputs_in_both_languages(name):
    if not all(p.exists() for p in twins(name)):
        pytest.fail(f"{name}: one language is missing (see test_every_page_exists_in_both_languages)")
    zh, en = (parse_blocks(p) for p in twins(name))
    assert len(zh) == len(en), f"{name}: {len(zh)} Python blocks in Chinese, {len(en)} in English"
    for a, b in zip(zh, en):
        assert code_without_comments(a.code) == code_without_comments(b.code), (
            f"{name}: block at zh line {a.lineno} differs from en line {b.lineno}"
        )
        assert (a.expected is None) == (b.expected is None), f"{name}: output shown in one language only"
        assert (a.raises, a.continues) == (b.raises, b.continues), f"{name}: markers differ at zh line {a.lineno}"
