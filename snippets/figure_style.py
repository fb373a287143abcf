"""One look for every figure, in a light and a dark variant, saved as reproducible SVG.

Figure scripts call :func:`save_figure`; the build's figure hook (course/steps/figures.py) runs them
and the page shows ``name.light.svg`` or ``name.dark.svg`` with Material's ``#only-light`` and
``#only-dark`` suffixes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt
import yaml


def site_languages(config: Path = Path(__file__).resolve().parent.parent / "mkdocs.yml") -> tuple[str, ...]:
    """The site's languages, default first, from where the site reads them: extra.alternate."""

    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml holds MkDocs' own tags (!!python/name, !ENV); the languages need none of them.
    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    extra = yaml.load(config.read_text(encoding="utf-8"), Loader=Loader)["extra"]
    return tuple(entry["lang"] for entry in extra["alternate"])


# For save_figure(..., languages=LANGUAGES): one figure per language of the site.
LANGUAGES = site_languages()

# Colours chosen for at least 4.5:1 contrast against each background.
THEMES = {
    "light": {
        "background": "#ffffff",
        "text": "#1f2328",
        "grid": "#d0d7de",
        "lines": ["#0b57d0", "#c5221f", "#137333", "#8430ce"],
        "node": "#e8f0fe",
    },
    "dark": {
        "background": "#1e2129",
        "text": "#e6edf3",
        "grid": "#3d444d",
        "lines": ["#8ab4f8", "#f28b82", "#81c995", "#d7aefb"],
        "node": "#263041",
    },
}


def apply_theme(name: str) -> dict:
    """Set matplotlib's rcParams for one theme and return its colours."""
    theme = THEMES[name]
    plt.rcParams.update(
        {
            # Deterministic SVG: fixed ids, no date, text kept as text (small, searchable).
            "svg.hashsalt": "autograd-course",
            "svg.fonttype": "none",
            "font.family": ["DejaVu Sans", "Noto Sans CJK SC", "sans-serif"],
            "font.size": 11,
            "figure.facecolor": theme["background"],
            "axes.facecolor": theme["background"],
            "savefig.facecolor": theme["background"],
            "text.color": theme["text"],
            "axes.labelcolor": theme["text"],
            "axes.edgecolor": theme["text"],
            "xtick.color": theme["text"],
            "ytick.color": theme["text"],
            "grid.color": theme["grid"],
            "axes.prop_cycle": matplotlib.cycler(color=theme["lines"]),
            "legend.facecolor": theme["background"],
            "legend.edgecolor": theme["grid"],
        }
    )
    return theme


def save_figure(
    name: str,
    draw: Callable[..., "plt.Figure"],
    outdir: Path | None = None,
    languages: tuple[str, ...] | None = None,
) -> list[Path]:
    """Draw the figure once per theme and save ``<outdir>/<name>.<theme>.svg``.

    A figure whose labels are words passes ``languages``: then ``draw(theme, lang)`` is called once
    per language and theme, and saves ``<name>.<lang>.<theme>.svg`` (the zh page shows the ``.zh.``
    files). Without it ``draw(theme)`` draws one figure for every language: code names, math and
    numbers only.

    ``outdir`` defaults to the first command-line argument, which is how the build calls a script.
    """
    if outdir is None:
        if len(sys.argv) != 2:
            raise SystemExit(f"usage: python {sys.argv[0]} OUTPUT_DIR")
        outdir = Path(sys.argv[1])
    outdir.mkdir(parents=True, exist_ok=True)
    variants = [(f"{name}.{lang}", (lang,)) for lang in languages] if languages else [(name, ())]
    written = []
    for stem, extra in variants:
        for theme_name in THEMES:
            with plt.rc_context():
                theme = apply_theme(theme_name)
                fig = draw(theme, *extra)
                path = outdir / f"{stem}.{theme_name}.svg"
                fig.savefig(path, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
                plt.close(fig)
            written.append(path)
    return written
