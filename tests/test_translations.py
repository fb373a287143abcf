"""Every page exists in Chinese and English, with the same anchors and the same code."""

import io
import re
import tokenize
from pathlib import Path

import pytest

from course.markdown_blocks import ROOT, mkdocs_yml, parse_blocks, read_fences
from course.site_facts import language_roots

DOCS = ROOT / "docs"
LANGUAGES = tuple(language_roots(mkdocs_yml()["extra"]["alternate"]))  # ("zh", "en"): docs/zh/, docs/en/
ANCHOR = re.compile(r"^#{1,6} .*\{ *#(?P<anchor>[A-Za-z0-9_-]+)[^}]*\} *$", re.MULTILINE)


# Page names below a language's folder: "basics" for docs/zh/basics.md and docs/en/basics.md.
PAGES = sorted(
    {
        str(p.relative_to(DOCS / language).with_suffix(""))
        for language in LANGUAGES
        for p in (DOCS / language).glob("**/*.md")
    }
)


def missing_translations(docs: Path = DOCS, languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    problems = []
    for language in languages:
        for page in sorted((docs / language).glob("**/*")):
            if page.is_dir() or page.suffix not in {".md", ".ipynb"}:
                continue
            for other in languages:
                twin = docs / other / page.relative_to(docs / language)
                if not twin.exists():
                    problems.append(f"{page.relative_to(docs)} has no translation {twin.relative_to(docs)}")
    return problems


def test_every_page_exists_in_both_languages():
    assert missing_translations() == []


def test_a_missing_translation_is_reported_by_name(tmp_path):
    for language in ("zh", "en"):
        (tmp_path / language).mkdir()
    (tmp_path / "zh" / "lonely.md").write_text("# 孤单\n")
    assert missing_translations(tmp_path, ("zh", "en")) == ["zh/lonely.md has no translation en/lonely.md"]


def code_without_comments(code: str) -> str:
    """The statements of a block: comments and blank lines dropped, so they may be translated."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.COMMENT]
    lines = tokenize.untokenize(tokens).splitlines()
    return "\n".join(line.rstrip() for line in lines if line.strip())


def twins(name: str) -> tuple[Path, Path]:
    return DOCS / "zh" / f"{name}.md", DOCS / "en" / f"{name}.md"


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
