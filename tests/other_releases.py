"""A script run under another torch release of `make versions`: its own virtual environment,
.venvs/torch-<release>/, made by scripts/torch_versions.py from versions/torch-versions.toml.

A test that needs one and finds it missing skips, saying which release and how to install it.
"""

from __future__ import annotations

import os
import subprocess

import pytest
import tomllib

from course.markdown_blocks import ROOT
from course.site_facts import torch_version

# The releases versions/torch-versions.toml lists besides the pin, in its order.
OTHER_RELEASES = [
    entry["torch"]
    for entry in tomllib.loads((ROOT / "versions" / "torch-versions.toml").read_text(encoding="utf-8"))["version"]
    if entry["torch"] != torch_version()
]


def run_on(release: str, script: str) -> str:
    """What `script` prints under `release`, run from / with no PYTHONPATH and the machine's own CPU
    kernels, so nothing of this checkout or of the test run reaches it."""
    python = ROOT / ".venvs" / f"torch-{release}" / "bin" / "python"
    if not python.exists():
        pytest.skip(f"torch {release} is not installed in .venvs/ (make versions installs it)")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ATEN_CPU_CAPABILITY")}
    return subprocess.run(
        [str(python), "-c", script], env=env, cwd="/", capture_output=True, text=True, check=True
    ).stdout


def pairs_on(release: str, script: str) -> dict[str, str]:
    """`script`'s output read as `name value` pairs."""
    out = run_on(release, script).split()
    return dict(zip(out[::2], out[1::2]))
