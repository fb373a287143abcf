"""Every page's blocks print the same on a CPU with fewer vector instructions than this one.

torch picks its CPU kernels by the processor's capability (AVX-512, AVX2, or the plain "default"
kernels); ``ATEN_CPU_CAPABILITY`` makes it use a lower one. A page whose output depends on the kernel
(a float's last digit, a fused multiply-add) fails here: choose an example whose output does not.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from course.markdown_blocks import ROOT

LOWER = {"AVX512": ["avx2", "default"], "AVX2": ["default"]}
CAPABILITIES = LOWER.get(torch.backends.cpu.get_cpu_capability(), ["default"])


@pytest.mark.every_page
@pytest.mark.parametrize("capability", CAPABILITIES)
def test_every_page_prints_the_same_under_a_lower_cpu_capability(capability):
    # A run of its own: not a worker of the surrounding `pytest -n` (xdist's variables dropped).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "XDIST_"))}
    env["ATEN_CPU_CAPABILITY"] = capability
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "docs", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", "--no-header"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    failures = [line for line in result.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    assert result.returncode == 0, f"under ATEN_CPU_CAPABILITY={capability}:\n" + "\n".join(
        failures or [result.stdout[-3000:]]
    )


def test_the_capability_switch_changes_the_kernel():
    """The test above is worth something only if the variable reaches torch: the plain kernel rounds
    start + alpha * grad twice, the vectorised ones (where this machine has them) once."""
    code = (
        "import torch; s = torch.randn(1000, generator=torch.Generator().manual_seed(0)); g = s.flip(0);"
        "print(torch.backends.cpu.get_cpu_capability(), (s.add(g, alpha=-0.1) != s - 0.1 * g).sum().item())"
    )
    for capability in CAPABILITIES:
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "ATEN_CPU_CAPABILITY": capability},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert out[0] == capability.upper()
        if capability == "default":
            assert out[1] == "0"
