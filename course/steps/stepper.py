"""The stepper of the course's pages: the forward and backward pass of the chapter's example, one
step at a time (overrides/javascripts/stepper.js; CONTRIBUTING.md, "Running code in the page").

A page asks for one with a line of its own, near the figure of the final graph that stands for it
without JavaScript and in print::

    <div class="stepper" data-example="graph-and-leaves"></div>

The name is a region of snippets/from_scratch/stepper_examples.py. The hook fills the div with the
example the stepper runs, shown as code as the build includes any snippet, and the Start button in
the place kept for the stepper (run-in-page.css). The engine it runs first
(snippets/from_scratch/engine.py, whole) is published once per language at runtime/engine.py. Its label
and the caption are the playground's strings ``stepper`` and ``stepperCode`` (overrides/locales/<lang>.yml,
``javascript.playground``), which stepper.js shows too.
overrides/main.html then loads run-in-page.css and the small stepper-start.js on the page; the rest
only when the reader presses Start.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from course.site_facts import strings

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "snippets" / "from_scratch" / "engine.py"
EXAMPLES = ROOT / "snippets" / "from_scratch" / "stepper_examples.py"
PUBLISHED_ENGINE = "runtime/engine.py"  # stepper-start.js: new URL("../runtime/engine.py", its own src)

MARKER = re.compile(r'<div class="stepper" data-example="([\w-]+)"></div>')


def region(text: str, name: str) -> str:
    """The lines between ``# --8<-- [start:name]`` and ``# --8<-- [end:name]``."""
    found = re.search(
        rf"^# --8<-- \[start:{re.escape(name)}\]\n(.*?)^# --8<-- \[end:{re.escape(name)}\]$", text, re.S | re.M
    )
    if not found:
        raise PluginError(f"stepper: no region {name!r} in {EXAMPLES.relative_to(ROOT)}")
    return found[1]


def on_files(files, config):
    # The engine once per language, beside the runtime (course/steps/run_in_page.py): the Start button
    # fetches it. Not inlined in the page: Material's instant navigation re-creates a page's
    # <script> elements without their type, so an inert <script type="text/plain"> would run as JS.
    files.append(File.generated(config, PUBLISHED_ENGINE, abs_src_path=str(ENGINE)))
    return files


def stepper_html(name: str, language: str) -> str:
    code = region(EXAMPLES.read_text(encoding="utf-8"), name)
    words = strings(language)["javascript"]["playground"]
    return (
        f'<div class="stepper" data-example="{name}">\n'
        f'<p class="stepper-caption">{html.escape(words["stepperCode"])}</p>\n'
        f'<pre class="stepper-code"><code>{html.escape(code)}</code></pre>\n'
        f'<div class="stepper-box"><button type="button" class="run-button run-steps stepper-start">'
        f"{html.escape(words['stepper'])}</button></div>\n"
        "</div>"
    )


def on_page_content(content: str, page, config, files) -> str:
    if 'class="stepper"' not in content:
        return content
    language = config["theme"]["language"]
    return MARKER.sub(lambda m: stepper_html(m[1], language), content)
