"""Read the CSVs written by measure_cost.py: the comment lines (machine, torch, date) and the rows."""

from __future__ import annotations

from pathlib import Path

from measurements import read_measured_csv

HERE = Path(__file__).resolve().parent


def read_measurements(name: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """``({"machine": ..., "torch": ..., "date": ...}, rows)`` of ``snippets/cost/<name>``."""
    return read_measured_csv(HERE / name)


def series(rows, x_key: str, y_key: str, **where) -> tuple[list[float], list[float]]:
    """The (x, y) points of the rows matching ``where``, sorted by x."""
    chosen = [r for r in rows if all(r[k] == str(v) for k, v in where.items())]
    points = sorted((float(r[x_key]), float(r[y_key])) for r in chosen)
    return [p[0] for p in points], [p[1] for p in points]
