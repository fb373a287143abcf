"""Read the CSVs written by measure_cost.py: the comment lines (machine, torch, date) and the rows."""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read_measurements(name: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """``({"machine": ..., "torch": ..., "date": ...}, rows)`` of ``snippets/cost/<name>``."""
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    about = {}
    for line in lines:
        if line.startswith("#") and ": " in line:
            key, value = line[1:].strip().split(": ", 1)
            about[key] = value
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    return about, rows


def series(rows, x_key: str, y_key: str, **where) -> tuple[list[float], list[float]]:
    """The (x, y) points of the rows matching ``where``, sorted by x."""
    chosen = [r for r in rows if all(r[k] == str(v) for k, v in where.items())]
    points = sorted((float(r[x_key]), float(r[y_key])) for r in chosen)
    return [p[0] for p in points], [p[1] for p in points]


def machine_note(about: dict[str, str]) -> str:
    """One line for a figure: where and when the data were measured."""
    return (
        f"measured on {about['machine']}, {about['processors']} processors, "
        f"{about['torch threads']} thread, torch {about['torch']}, {about['date']}"
    )
