"""One look for every figure, in a light and a dark variant, saved as reproducible SVG.

Figure scripts call :func:`save_figure`; the build's figure hook (hooks/figures.py) runs them
and the page shows ``name.light.svg`` or ``name.dark.svg`` with Material's ``#only-light`` and
``#only-dark`` suffixes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

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


def save_figure(name: str, draw: Callable[[dict], "plt.Figure"], outdir: Path | None = None) -> list[Path]:
    """Draw the figure once per theme and save ``<outdir>/<name>.<theme>.svg``.

    ``outdir`` defaults to the first command-line argument, which is how the build calls a script.
    """
    if outdir is None:
        if len(sys.argv) != 2:
            raise SystemExit(f"usage: python {sys.argv[0]} OUTPUT_DIR")
        outdir = Path(sys.argv[1])
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for theme_name in THEMES:
        with plt.rc_context():
            theme = apply_theme(theme_name)
            fig = draw(theme)
            path = outdir / f"{name}.{theme_name}.svg"
            fig.savefig(path, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
            plt.close(fig)
        written.append(path)
    return written
