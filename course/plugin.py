"""The MkDocs plugin ``course`` (pyproject.toml's entry point; mkdocs.yml lists it last).

Each step is a module of ``course.steps`` with a function per MkDocs event it handles. For each event
the plugin calls the steps in the order of ``STEPS``; an event that returns a value (the config, a
page's Markdown or HTML, the Jinja environment) hands each step's result to the next, as MkDocs does
between plugins.
"""

from __future__ import annotations

from mkdocs.plugins import BasePlugin

from course.steps import (
    figures,
    math_font,
    notebooks,
    page_facts,
    rebuild_cache,
    render_math,
    run_in_page,
    site_config,
    stepper,
    version_notes,
)

STEPS = (
    site_config,  # config.extra: languages, torch version, interface strings (later steps read them)
    page_facts,  # @@torch_version@@ filled in before any later step reads a page
    figures,
    render_math,
    math_font,
    notebooks,
    run_in_page,
    stepper,
    rebuild_cache,
    version_notes,
)

# MkDocs' events whose first argument a handler may return changed (None: unchanged).
CHAINED = ("on_config", "on_files", "on_nav", "on_env", "on_page_markdown", "on_page_content", "on_post_page")
OTHER = ("on_startup", "on_shutdown", "on_pre_build", "on_post_build", "on_serve")


def handlers(event: str) -> list:
    return [getattr(step, event) for step in STEPS if hasattr(step, event)]


def _chained(event: str):
    def run(self, item, *args, **kwargs):
        for handler in handlers(event):
            result = handler(item, *args, **kwargs)
            if result is not None:
                item = result
        return item

    run.__name__ = event
    return run


def _other(event: str):
    def run(self, *args, **kwargs):
        for handler in handlers(event):
            handler(*args, **kwargs)

    run.__name__ = event
    return run


class CoursePlugin(BasePlugin):
    """The steps of ``STEPS``, run in that order for each event."""


for _event in CHAINED:
    if handlers(_event):
        setattr(CoursePlugin, _event, _chained(_event))
for _event in OTHER:
    if handlers(_event):
        setattr(CoursePlugin, _event, _other(_event))
