"""Every figure script: both themes, language-neutral, and the same bytes when drawn again.

The strict build (the `site` fixture) draws each figure once, into hooks/figures.py's cache. Here
each script runs again, cold, into a fresh folder: its SVGs must equal the cached ones, so a cold
build and a warm build publish the same figures, whatever the day.
"""

import re

import pytest

from figures import CACHE, SNIPPETS, figure_scripts, input_hash, run_script

SCRIPTS = figure_scripts()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(SNIPPETS)))
def test_figure_is_reproducible_in_both_themes(script, site, tmp_path):
    cached = CACHE / f"{script.stem}-{input_hash(script)}"
    assert cached.is_dir(), "the build draws every figure into the cache"
    run_script(script, tmp_path / "drawn")  # the build's runner, on its own
    drawn = {p.name: p.read_bytes() for p in sorted((tmp_path / "drawn").glob("*.svg"))}
    assert drawn == {p.name: p.read_bytes() for p in sorted(cached.glob("*.svg"))}
    names = {name.rsplit(".", 2)[0] for name in drawn}
    for name in names:
        light, dark = drawn[f"{name}.light.svg"], drawn[f"{name}.dark.svg"]
        assert light != dark
        for svg in (light, dark):
            text = svg.decode("utf-8")
            assert text.lstrip().startswith("<?xml") and text.rstrip().endswith("</svg>")
            assert not re.search(r"[\u4e00-\u9fff]", text), "one figure serves both languages"
        assert (site / "figures" / f"{name}.light.svg").read_bytes() == light
