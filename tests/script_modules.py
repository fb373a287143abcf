"""The scripts of scripts/ as modules, for the tests that call their functions: each is a program, not
part of the course package, so it is loaded from its file."""

from __future__ import annotations

import importlib.util
import sys

from course.markdown_blocks import ROOT


def load(name: str):
    """scripts/<name>.py, loaded once and kept as sys.modules[name]."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
