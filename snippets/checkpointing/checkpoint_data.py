"""Read checkpoint_memory.csv, written by measure_memory.py: the comment lines and the rows."""

from __future__ import annotations

from pathlib import Path

from measurements import read_measured_csv

HERE = Path(__file__).resolve().parent
CSV = HERE / "checkpoint_memory.csv"
# The strategies in the order of the figure's legend; the names are those of the CSV.
STRATEGIES = ["none", "whole", "each_layer", "sqrt_segments"]


def read_measurements(path: Path = CSV) -> tuple[dict[str, str], list[dict[str, str]]]:
    """``({"machine": ..., "torch": ..., "date": ...}, rows)``."""
    return read_measured_csv(path)


def column(rows, strategy: str, key: str) -> tuple[list[int], list[float]]:
    """Depths and the values of ``key`` for one strategy, sorted by depth."""
    points = sorted((int(r["depth"]), float(r[key])) for r in rows if r["strategy"] == strategy)
    return [p[0] for p in points], [p[1] for p in points]
