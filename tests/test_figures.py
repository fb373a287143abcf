"""Every figure script: both themes, words in one language per file, the same bytes when drawn again.

The strict build (the `site` fixture) draws each figure once, into course/steps/figures.py's cache. Here
each script runs again, cold, into a fresh folder: its SVGs must equal the cached ones, so a cold
build and a warm build publish the same figures, whatever the day.
"""

import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from figure_style import LANGUAGES

from course.site_facts import jobs
from course.steps.figures import CACHE, SNIPPETS, figure_scripts, input_hash, run_script

SCRIPTS = figure_scripts()


@pytest.fixture(scope="module")
def drawn_again(tmp_path_factory) -> dict[Path, Future]:
    """Every script run again by the build's runner, on its own, two at a time (each is a process of
    its own, and this machine has two cores): {script: the folder it drew into, or its error}."""
    folder = tmp_path_factory.mktemp("drawn")

    def draw(script: Path) -> Path:
        run_script(script, folder / script.stem)
        return folder / script.stem

    with ThreadPoolExecutor(max_workers=jobs()) as pool:
        return {script: pool.submit(draw, script) for script in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(SNIPPETS)))
def test_figure_is_reproducible_in_both_themes(script, site, drawn_again):
    cached = CACHE / f"{script.stem}-{input_hash(script)}"
    assert cached.is_dir(), "the build draws every figure into the cache"
    drawn = {p.name: p.read_bytes() for p in sorted(drawn_again[script].result().glob("*.svg"))}
    assert drawn == {p.name: p.read_bytes() for p in sorted(cached.glob("*.svg"))}
    names = {name.rsplit(".", 2)[0] for name in drawn}
    for name in names:
        light, dark = drawn[f"{name}.light.svg"], drawn[f"{name}.dark.svg"]
        assert light != dark
        language = name.rsplit(".", 1)[-1] if name.rsplit(".", 1)[-1] in LANGUAGES else None
        for svg in (light, dark):
            text = svg.decode("utf-8")
            assert text.lstrip().startswith("<?xml") and text.rstrip().endswith("</svg>")
            if language != "zh":  # a figure for every language, or the English one: no Chinese
                assert not re.search(r"[\u4e00-\u9fff]", text), (
                    f"{name}: Chinese in a figure for {language or 'every language'}"
                )
        assert (site / "figures" / f"{name}.light.svg").read_bytes() == light
    stems = {name.rsplit(".", 1)[0] for name in names if name.rsplit(".", 1)[-1] in LANGUAGES}
    for stem in stems:
        assert {f"{stem}.{lang}" for lang in LANGUAGES} <= names, f"{stem}: drawn for some languages only"
        assert drawn[f"{stem}.zh.light.svg"] != drawn[f"{stem}.en.light.svg"], (
            f"{stem}: the same words in every language"
        )


def images_on(page: Path) -> list[tuple[int, str]]:
    return [
        (n, m)
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        for m in re.findall(r"\]\(figures/([^)#]+)", line)
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_page_shows_the_figures_of_its_own_language(language):
    """A figure drawn per language is shown in its language's file: the zh page never shows .en."""
    wrong = []
    for page in sorted((SNIPPETS.parent / "docs" / language).rglob("*.md")):
        for line, image in images_on(page):
            parts = image.split(".")
            other = [lang for lang in LANGUAGES if lang != language and lang in parts[1:-2]]
            if other:
                wrong.append(f"{page.relative_to(SNIPPETS.parent)}:{line}: {image}")
    assert wrong == []
