"""course/lab_pages.py and the lab sources: committed without outputs, the same code and anchors in
both languages, and made into light, offline HTML."""

from __future__ import annotations

import re

import nbformat
import pytest
from mkdocs.exceptions import PluginError
from notebook_pages import DOCS, LAB_NAMES, LABS, SITE, code_without_comments

from course import lab_pages


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.name)
def test_lab_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: cell {cell.id} has outputs"


HEADING = re.compile(r"^(#{2,6}) .*<a id=\"(?P<id>[A-Za-z0-9_-]+)\"></a>\s*$", re.MULTILINE)


@pytest.mark.parametrize("name", LAB_NAMES)
def test_lab_translations_match(name):
    zh, en = (nbformat.read(DOCS / lang / "labs" / f"{name}.ipynb", as_version=4) for lang in ("zh", "en"))
    code = [[code_without_comments(c.source) for c in nb.cells if c.cell_type == "code"] for nb in (zh, en)]
    assert code[0] == code[1]
    anchors = [
        [m.group("id") for c in nb.cells if c.cell_type == "markdown" for m in HEADING.finditer(c.source)]
        for nb in (zh, en)
    ]
    assert anchors[0] == anchors[1] and anchors[0]
    for nb in (zh, en):
        headings = [
            line
            for c in nb.cells
            if c.cell_type == "markdown"
            for line in c.source.splitlines()
            if re.match(r"#{2,6} ", line)
        ]
        assert len(headings) == len(anchors[0]), "every heading below the title carries <a id=...></a>"


# --------------------------------------------------------------------------------------------------
# The hook's build-time pieces, without a build.


def test_lab_html_is_made_light_with_mathml_and_anchors():
    content = (
        '<script src="x.js"></script><style>.jp{}</style>'
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" data-mime-type="text/markdown">\n'
        '<h2 id="">Try it <a id="try-it"></a><a class="anchor-link" href="#">¶</a></h2>'
        f'<p>See <a href="{SITE.site_url}basics/">basics</a>: $x^2$ and <code>$HOME</code>.</p>\n</div>\n</div>\n</div>\n</div>'
        '<div class="highlight-ipynb hl-python"><pre><span></span>print(1)\n</pre></div>'
        '<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain" tabindex="0">\n<pre>1\n</pre>'
    )
    html, tokens = lab_pages.lab_html(content, "labs/demo.zh.ipynb", "labs/demo/", SITE.site_url)
    assert "<script" not in html and ".jp{}" not in html and "tabindex" not in html
    assert '<h2 id="try-it">Try it<a class="headerlink" href="#try-it"' in html
    assert tokens == [{"level": 2, "id": "try-it", "name": "Try it", "children": []}]
    assert '<a href="../../basics/">basics</a>' in html
    assert "<math" in html and "$x^2$" not in html and "<code>$HOME</code>" in html
    assert '<div class="language-python highlight"><pre><span></span><code>print(1)' in html
    assert '<div class="language-text highlight"><pre><code>1\n</code></pre></div>' in html


def test_html_of_another_shape_stops_the_build_naming_the_lab():
    with pytest.raises(PluginError, match=r"labs/demo\.ipynb: no code cells in the shape"):
        lab_pages.lab_html(
            "<div class='cell'><pre>print(1)</pre></div>", "labs/demo.ipynb", "labs/demo/", SITE.site_url
        )
