"""The strict build of the whole site into a folder, as `make build` makes it (scripts/build_site.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from course.markdown_blocks import ROOT


def build(site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_site.py"), "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
