"""The strict build of the site into a folder, as the tests run it (tests/conftest.py, tests/test_build.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from markdown_blocks import ROOT


def build(site: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.setdefault("SOURCE_DATE_EPOCH", subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True).stdout.strip() or "0")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "--site-dir", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
