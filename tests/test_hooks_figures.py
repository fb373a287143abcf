"""hooks/figures.py: figure scripts run once per change of their inputs; failures name the script."""

import textwrap
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

from hooks import figures

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
    return snippets, tmp_path / "cache", tmp_path / "out"


def runs(snippets: Path) -> int:
    log = snippets / "topic" / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_builds_both_variants_and_reuses_the_cache(tree):
    snippets, cache, out = tree
    built = figures.build_figures(snippets, cache, out)
    assert sorted(built) == ["demo.dark.svg", "demo.light.svg"]
    assert (out / "demo.light.svg").read_text() == "<svg>light</svg>"
    figures.build_figures(snippets, cache, out)
    assert runs(snippets) == 1, "unchanged inputs must not re-run the script"


def test_changing_the_script_redraws_the_figure(tree):
    snippets, cache, out = tree
    figures.build_figures(snippets, cache, out)
    (snippets / "topic" / "fig_demo.py").write_text(SCRIPT.format(colour="blue"))
    figures.build_figures(snippets, cache, out)
    assert (out / "demo.light.svg").read_text() == "<svg>blue</svg>"
    assert runs(snippets) == 2


def test_changing_a_shared_helper_invalidates_every_figure(tree):
    snippets, cache, out = tree
    before = figures.input_hash(snippets / "topic" / "fig_demo.py", snippets)
    (snippets / "figure_style.py").write_text("# a shared helper\n")
    assert figures.input_hash(snippets / "topic" / "fig_demo.py", snippets) != before


def test_unchanged_output_is_not_rewritten(tree):
    snippets, cache, out = tree
    figures.build_figures(snippets, cache, out)
    mtime = (out / "demo.light.svg").stat().st_mtime_ns
    figures.build_figures(snippets, cache, out)
    assert (out / "demo.light.svg").stat().st_mtime_ns == mtime, "mkdocs serve would rebuild in a loop"


def test_a_failing_script_stops_the_build_naming_it(tree):
    snippets, cache, out = tree
    (snippets / "topic" / "fig_broken.py").write_text("raise ValueError('no data for the plot')\n")
    with pytest.raises(PluginError, match=r"(?s)fig_broken\.py exited with 1.*no data for the plot"):
        figures.build_figures(snippets, cache, out)


def test_a_script_that_writes_nothing_is_an_error(tree):
    snippets, cache, out = tree
    (snippets / "topic" / "fig_silent.py").write_text("print('forgot to save')\n")
    with pytest.raises(PluginError, match=r"fig_silent\.py wrote no \.svg file"):
        figures.build_figures(snippets, cache, out)


def test_figures_of_a_removed_script_are_removed(tree):
    snippets, cache, out = tree
    (out).mkdir()
    (out / "old.light.svg").write_text("<svg/>")
    figures.build_figures(snippets, cache, out)
    assert not (out / "old.light.svg").exists()


def test_writer_mode_never_runs_a_script(tree, monkeypatch):
    snippets, cache, out = tree
    monkeypatch.setenv("WRITER_MODE", "1")
    out.mkdir()
    (out / "kept.light.svg").write_text("<svg/>")
    assert figures.build_figures(snippets, cache, out) == {}
    assert runs(snippets) == 0
    assert (out / "kept.light.svg").exists(), "figures of the last full build stay for the writer"


def test_a_pinned_version_is_an_input_of_every_figure(tree, monkeypatch, tmp_path):
    snippets, _, _ = tree
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("torch==2.13.0\n")
    monkeypatch.setattr(figures, "SHARED_INPUTS", [requirements])
    before = figures.input_hash(snippets / "topic" / "fig_demo.py", snippets)
    requirements.write_text("torch==2.14.1\n")
    assert figures.input_hash(snippets / "topic" / "fig_demo.py", snippets) != before


def test_figures_on_a_page_get_their_size_and_load_lazily(tmp_path):
    (tmp_path / "demo.light.svg").write_text('<svg width="300pt" height="150.4pt" viewBox="0 0 300 150.4"></svg>')
    html = '<p><img alt="a curve" src="../figures/demo.light.svg#only-light" /></p>'
    assert figures.sized_and_lazy(html, tmp_path) == (
        '<p><img alt="a curve" src="../figures/demo.light.svg#only-light" width="400" height="201"'
        ' loading="lazy" decoding="async" /></p>')


def test_other_images_and_figures_not_drawn_are_left_alone(tmp_path):
    html = '<img alt="logo" src="../assets/logo.svg" /><img alt="x" src="../figures/missing.svg#only-dark" />'
    assert figures.sized_and_lazy(html, tmp_path) == html


def test_a_figure_without_a_size_in_points_stops_the_build(tmp_path):
    (tmp_path / "demo.light.svg").write_text('<svg viewBox="0 0 300 150"></svg>')
    with pytest.raises(PluginError, match="demo.light.svg has no width and height"):
        figures.sized_and_lazy('<img alt="" src="figures/demo.light.svg" />', tmp_path)
