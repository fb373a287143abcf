"""course/steps/figures.py: figure scripts run once per change of their inputs; failures name the script."""

import textwrap
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

from course.steps import figures

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    out = Path(sys.argv[1])
    runs = Path(__file__).with_name("runs.log")
    runs.write_text(runs.read_text() + "run\\n" if runs.exists() else "run\\n")
    (out / "demo.light.svg").write_text("<svg>{colour}</svg>")
    (out / "demo.dark.svg").write_text("<svg>dark</svg>")
    """
)


@pytest.fixture
def tree(tmp_path):
    snippets = tmp_path / "snippets"
    (snippets / "topic").mkdir(parents=True)
    (snippets / "topic" / "fig_demo.py").write_text(SCRIPT.format(colour="light"))
    return snippets, tmp_path / "cache"


def runs(snippets: Path) -> int:
    log = snippets / "topic" / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_builds_both_variants_and_reuses_the_cache(tree):
    snippets, cache = tree
    built = figures.build_figures(snippets, cache)
    assert sorted(built) == ["demo.dark.svg", "demo.light.svg"]
    assert built["demo.light.svg"].read_text() == "<svg>light</svg>"
    assert figures.build_figures(snippets, cache) == built
    assert runs(snippets) == 1, "unchanged inputs must not re-run the script"


def test_changing_the_script_redraws_the_figure(tree):
    snippets, cache = tree
    figures.build_figures(snippets, cache)
    (snippets / "topic" / "fig_demo.py").write_text(SCRIPT.format(colour="blue"))
    assert figures.build_figures(snippets, cache)["demo.light.svg"].read_text() == "<svg>blue</svg>"
    assert runs(snippets) == 2


def test_changing_a_shared_helper_invalidates_every_figure(tree):
    snippets, _ = tree
    before = figures.input_hash(snippets / "topic" / "fig_demo.py", snippets)
    (snippets / "figure_style.py").write_text("# a shared helper\n")
    assert figures.input_hash(snippets / "topic" / "fig_demo.py", snippets) != before


def test_scripts_import_the_shared_helpers_without_touching_sys_path(tree):
    snippets, cache = tree
    (snippets / "figure_style.py").write_text("COLOUR = 'from the helper'\n")
    (snippets / "topic" / "fig_demo.py").write_text(
        SCRIPT.format(colour="{figure_style.COLOUR}")
        .replace("import sys", "import sys, figure_style")
        .replace('write_text("<svg>', 'write_text(f"<svg>')
    )
    assert figures.build_figures(snippets, cache)["demo.light.svg"].read_text() == "<svg>from the helper</svg>"


def test_a_failing_script_stops_the_build_naming_it(tree):
    snippets, cache = tree
    (snippets / "topic" / "fig_broken.py").write_text("raise ValueError('no data for the plot')\n")
    with pytest.raises(PluginError, match=r"(?s)fig_broken\.py exited with 1.*no data for the plot"):
        figures.build_figures(snippets, cache)


# Notes that it has started, then waits for the other script to start: drawn one after the other,
# the first of the two would wait in vain and fail.
WAITS_FOR_THE_OTHER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    here = Path(__file__)
    (here.parent.parent / f"{here.stem}.started").touch()
    other = here.parent.parent / ("fig_b.started" if here.stem == "fig_a" else "fig_a.started")
    deadline = time.monotonic() + 20
    while not other.exists():
        if time.monotonic() > deadline:
            sys.exit("the other script has not started")
        time.sleep(0.01)
    (Path(sys.argv[1]) / f"{here.stem}.light.svg").write_text("<svg/>")
    """
)


def test_two_scripts_are_drawn_side_by_side(tmp_path):
    snippets = tmp_path / "snippets"
    for name in ("a", "b"):
        (snippets / name).mkdir(parents=True)
        (snippets / name / f"fig_{name}.py").write_text(WAITS_FOR_THE_OTHER)
    assert sorted(figures.build_figures(snippets, tmp_path / "cache")) == ["fig_a.light.svg", "fig_b.light.svg"]


def test_a_script_that_writes_nothing_is_an_error(tree):
    snippets, cache = tree
    (snippets / "topic" / "fig_silent.py").write_text("print('forgot to save')\n")
    with pytest.raises(PluginError, match=r"fig_silent\.py wrote no \.svg file"):
        figures.build_figures(snippets, cache)


def test_writer_mode_never_runs_a_script_and_shows_the_last_drawing(tree, monkeypatch):
    snippets, cache = tree
    monkeypatch.setenv("WRITER_MODE", "1")
    assert figures.build_figures(snippets, cache) == {}, "nothing drawn yet: nothing to show"
    monkeypatch.delenv("WRITER_MODE")
    figures.build_figures(snippets, cache)
    (snippets / "topic" / "fig_demo.py").write_text(SCRIPT.format(colour="blue"))
    monkeypatch.setenv("WRITER_MODE", "1")
    shown = figures.build_figures(snippets, cache)
    assert runs(snippets) == 1
    assert shown["demo.light.svg"].read_text() == "<svg>light</svg>", "the last drawing stays for the writer"


def test_a_pinned_version_is_an_input_of_every_figure(tree, monkeypatch, tmp_path):
    snippets, _ = tree
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("torch==2.13.0\n")
    monkeypatch.setattr(figures, "SHARED_INPUTS", [requirements])
    before = figures.input_hash(snippets / "topic" / "fig_demo.py", snippets)
    requirements.write_text("torch==2.14.1\n")
    assert figures.input_hash(snippets / "topic" / "fig_demo.py", snippets) != before


def test_figures_on_a_page_get_their_size_and_load_lazily(tmp_path):
    (tmp_path / "demo.light.svg").write_text('<svg width="300pt" height="150.4pt" viewBox="0 0 300 150.4"></svg>')
    html = '<p><img alt="a curve" src="../figures/demo.light.svg#only-light" /></p>'
    assert figures.sized_and_lazy(html, {"demo.light.svg": tmp_path / "demo.light.svg"}) == (
        '<p><img alt="a curve" src="../figures/demo.light.svg#only-light" width="400" height="201"'
        ' loading="lazy" decoding="async" /></p>'
    )


def test_other_images_and_figures_not_drawn_are_left_alone(tmp_path):
    html = '<img alt="logo" src="../assets/logo.svg" /><img alt="x" src="../figures/missing.svg#only-dark" />'
    assert figures.sized_and_lazy(html, {}) == html


def test_a_figure_without_a_size_in_points_stops_the_build(tmp_path):
    (tmp_path / "demo.light.svg").write_text('<svg viewBox="0 0 300 150"></svg>')
    with pytest.raises(PluginError, match="demo.light.svg has no width and height"):
        figures.sized_and_lazy(
            '<img alt="" src="figures/demo.light.svg" />', {"demo.light.svg": tmp_path / "demo.light.svg"}
        )
