"""Generate the course's figures before each build, from the scripts in snippets/.

Every ``snippets/**/fig_*.py`` is a figure script: run as ``python fig_x.py OUTDIR`` it writes
SVG files into OUTDIR (see snippets/figure_style.py), with snippets/ on its import path. Results
are cached under ``.cache/figures/<script>-<hash>/``, the hash covering the script, every
``.py``/``.csv`` file beside it, the shared helpers in snippets/ and requirements.txt; so a rebuild
runs a script only when one of its inputs changed. Every language's build publishes the same SVGs
at ``figures/<name>.svg`` (MkDocs' public ``File.generated``), straight from the cache: nothing is
written into docs/, so ``mkdocs serve`` does not rebuild in a loop. The builds of two languages
running side by side take turns (a lock file), so each script runs once.

Each figure's <img> on a page gets its width and height (read from the SVG, so the page does not
jump when it arrives) and loading="lazy": a figure is fetched when the reader scrolls near it, and
the copy for the other colour scheme, hidden by Material's #only-light/#only-dark, not at all.

A script that fails stops the build with its path and the end of its error output.

Writer mode (``WRITER_MODE=1``, what ``make write`` sets): no script is run; a figure whose inputs
changed is shown as it was last drawn, so editing prose never waits for torch.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from course.site_facts import jobs

ROOT = Path(__file__).resolve().parents[2]
SNIPPETS = ROOT / "snippets"
CACHE = ROOT / ".cache" / "figures"
SHARED_INPUTS = [ROOT / "requirements.txt"]
FIGURES = "figures"  # where the pages find them: ![...](figures/<name>.svg#only-light)


def figure_scripts(snippets: Path = SNIPPETS) -> list[Path]:
    return sorted(snippets.glob("**/fig_*.py"))


def inputs_of(script: Path, snippets: Path = SNIPPETS) -> list[Path]:
    """The files whose change must re-run ``script``."""
    beside = [p for p in script.parent.iterdir() if p.suffix in {".py", ".csv"}]
    shared = [p for p in snippets.glob("*.py")]
    return sorted(set(beside + shared + [p for p in SHARED_INPUTS if p.exists()]))


def input_hash(script: Path, snippets: Path = SNIPPETS) -> str:
    digest = hashlib.sha256()
    for path in inputs_of(script, snippets):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def run_script(script: Path, outdir: Path, snippets: Path = SNIPPETS) -> None:
    """Run one figure script into ``outdir``; raise PluginError naming the script if it fails."""
    tmp = outdir.with_name(outdir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    # snippets/ on the path: the scripts import the shared helpers (figure_style, autograd_graph).
    env = {
        **os.environ,
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "svg",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(snippets), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, str(script), str(tmp)],
        cwd=script.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    svgs = sorted(tmp.glob("*.svg"))
    if result.returncode != 0 or not svgs:
        shutil.rmtree(tmp, ignore_errors=True)
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        why = f"exited with {result.returncode}" if result.returncode else "wrote no .svg file"
        raise PluginError(f"figures: {_shown(script)} {why}:\n{tail}")
    shutil.rmtree(outdir, ignore_errors=True)
    tmp.rename(outdir)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def writer_mode() -> bool:
    return os.environ.get("WRITER_MODE", "") not in ("", "0")


def last_drawn(script: Path, cache: Path) -> Path | None:
    """The newest cached drawing of ``script``, whatever its inputs were (writer mode)."""
    drawn = sorted(cache.glob(f"{script.stem}-*/"), key=lambda p: p.stat().st_mtime)
    return drawn[-1] if drawn else None


def build_figures(snippets: Path = SNIPPETS, cache: Path = CACHE) -> dict[str, Path]:
    """Draw what is not cached, jobs() scripts at a time (each is a process of its own); return
    {svg file name: cached path} of every figure."""
    cache.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Path] = {}
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other language's build may be drawing the same figures
        drawn = {script: cache / f"{script.stem}-{input_hash(script, snippets)}" for script in figure_scripts(snippets)}
        missing = {script: outdir for script, outdir in drawn.items() if not outdir.is_dir()}
        if writer_mode():
            drawn.update({script: last_drawn(script, cache) for script in missing})
            drawn = {script: outdir for script, outdir in drawn.items() if outdir is not None}  # never drawn
        else:
            with ThreadPoolExecutor(max_workers=jobs()) as pool:
                # list(): the first script that failed raises its PluginError here
                list(pool.map(lambda script: run_script(script, missing[script], snippets), missing))
        for script, outdir in drawn.items():
            for svg in sorted(outdir.glob("*.svg")):
                if svg.name in figures:
                    raise PluginError(f"figures: two scripts write {svg.name}; the second is {_shown(script)}")
                figures[svg.name] = svg
    return figures


_figures: dict[str, Path] = {}


def on_files(files, config):
    _figures.clear()
    _figures.update(build_figures())
    for name, svg in sorted(_figures.items()):
        files.append(File.generated(config, f"{FIGURES}/{name}", abs_src_path=str(svg)))
    return files


# The <img> Markdown makes of ![alt](figures/name.svg#only-light): attributes before and after src.
FIGURE_IMG = re.compile(
    r'<img (?P<before>[^>]*?)src="(?P<src>[^"]*?\bfigures/(?P<name>[^"/#]+\.svg)[^"]*)"(?P<after>[^>]*?)\s*/?>'
)
# Matplotlib writes the size in points: <svg ... width="452.5pt" height="272.3pt" ...>.
SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="(?P<width>[\d.]+)pt"[^>]*?\bheight="(?P<height>[\d.]+)pt"')


def size_in_pixels(svg: Path) -> tuple[int, int]:
    """The width and height a browser gives the SVG file: CSS pixels, 4/3 of a point."""
    found = SVG_SIZE.search(svg.read_text(encoding="utf-8"))
    if not found:
        raise PluginError(f"figures: {_shown(svg)} has no width and height in pt")
    return round(float(found["width"]) * 4 / 3), round(float(found["height"]) * 4 / 3)


def sized_and_lazy(html: str, figures: dict[str, Path]) -> str:
    def tag(match: re.Match) -> str:
        svg = figures.get(match["name"])
        if svg is None:  # MkDocs' link check names the page (writer mode may lack a figure)
            return match[0]
        width, height = size_in_pixels(svg)
        return (
            f'<img {match["before"]}src="{match["src"]}"{match["after"]} width="{width}" height="{height}"'
            f' loading="lazy" decoding="async" />'
        )

    return FIGURE_IMG.sub(tag, html)


def on_page_content(html: str, page, config, files) -> str:
    return sized_and_lazy(html, _figures)
