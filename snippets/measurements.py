"""The committed measurement CSVs (snippets/cost/, snippets/checkpointing/): read them, and say in a
figure where they were measured. Each CSV opens with comment lines `# key: value` (machine,
processors, torch threads, torch, date) written by the script that measured it."""

from __future__ import annotations

import csv
from pathlib import Path


def read_measured_csv(path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """``({"machine": ..., "torch": ..., "date": ...}, rows)``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    about = {}
    for line in lines:
        if line.startswith("#") and ": " in line:
            key, value = line[1:].strip().split(": ", 1)
            about[key] = value
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    return about, rows


def machine_note(about: dict[str, str]) -> str:
    """One line for a figure: where and when the data were measured."""
    return (
        f"measured on {about['machine']}, {about['processors']} processors, "
        f"{about['torch threads']} thread, torch {about['torch']}, {about['date']}"
    )
