"""Read checkpoint_memory.csv, written by measure_memory.py: the comment lines and the rows."""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
CSV = HERE / "checkpoint_memory.csv"
# The strategies in the order of the figure's legend; the names are those of the CSV.
STRATEGIES = ["none", "whole", "each_layer", "sqrt_segments"]


def read_measurements(path: Path = CSV) -> tuple[dict[str, str], list[dict[str, str]]]:
    """``({"machine": ..., "torch": ..., "date": ...}, rows)``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    about = {}
    for line in lines:
        if line.startswith("#") and ": " in line:
            key, value = line[1:].strip().split(": ", 1)
            about[key] = value
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    return about, rows


def column(rows, strategy: str, key: str) -> tuple[list[int], list[float]]:
    """Depths and the values of ``key`` for one strategy, sorted by depth."""
    points = sorted((int(r["depth"]), float(r[key])) for r in rows if r["strategy"] == strategy)
    return [p[0] for p in points], [p[1] for p in points]


def machine_note(about: dict[str, str]) -> str:
    """One line for a figure: where and when the data were measured."""
    return (
        f"measured on {about['machine']}, {about['processors']} processors, "
        f"{about['torch threads']} thread, torch {about['torch']}, {about['date']}"
    )
