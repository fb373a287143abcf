"""scripts/build_site.py: what it prints of a build, read from the log lines of the packages it runs."""

from __future__ import annotations

import inspect

import mkdocs_jupyter.plugin
from script_modules import load

from course.markdown_blocks import ROOT

build_site = load("build_site")


def test_mkdocs_jupyter_still_logs_each_lab_it_executes_in_the_words_the_summary_reads():
    # A private detail of mkdocs-jupyter (CONTRIBUTING.md, "Where the build leans on other
    # packages' internals"): its log line for a notebook it executes, not an API.
    source = inspect.getsource(mkdocs_jupyter.plugin)
    assert 'logger.info("Cache miss, writing: %s", page.file.abs_src_path)' in source, (
        "mkdocs-jupyter no longer logs 'Cache miss, writing: <path>' when it executes a notebook: "
        "scripts/build_site.py's EXECUTED_LAB would list no executed lab"
    )


def test_the_summary_names_each_executed_lab_and_keeps_warnings():
    lab = ROOT / "docs" / "en" / "labs" / "basics-lab.ipynb"
    log = (
        "INFO    -  Building documentation...\n"
        f"INFO    -  Cache miss, writing: {lab}\n"
        "WARNING -  a warning a writer must see\n"
        "Building prefix dict from the default dictionary ...\n"
    )
    assert build_site.summary("en", log, 12.34) == [
        "en: executed lab docs/en/labs/basics-lab.ipynb",
        "en: WARNING -  a warning a writer must see",
        "en: built in 12.3 s",
    ]
