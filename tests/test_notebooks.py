"""Notebooks (hooks/notebooks.py): every chapter as a notebook that runs, and the labs as pages.

The converter is called directly (no build) for what a notebook holds and whether it runs; the
built site (``site``, the session's strict build from tests/conftest.py) is checked for the files,
the buttons and the lab pages.
"""

from __future__ import annotations

import gzip
import io
import re
import sys
import textwrap
import tokenize
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from mkdocs.structure.files import File, Files
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from hooks import chapter_notebooks, notebooks
from markdown_blocks import ROOT, expand_includes, mkdocs_yml, parse_blocks, read_fences

DOCS = ROOT / "docs"
SITE = notebooks.site_from_mkdocs_yml()
CHAPTERS = sorted(p for p in DOCS.glob("*.md") if notebooks.has_python(p))
CHAPTER_NAMES = sorted({p.name.split(".")[0] for p in CHAPTERS})
WITHOUT_CODE = sorted(p for p in DOCS.glob("*.md") if not notebooks.has_python(p))
LABS = sorted(notebooks.LABS.glob("*.ipynb"))
LAB_NAMES = sorted({p.name.split(".")[0] for p in LABS})


def notebook_of(path: Path) -> nbformat.NotebookNode:
    return notebooks.chapter_notebook(path, path.name.split(".")[1], SITE)


def code_without_comments(code: str) -> str:
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.COMMENT]
    return "\n".join(line.rstrip() for line in tokenize.untokenize(tokens).splitlines() if line.strip())


# --------------------------------------------------------------------------------------------------
# The converter, on a small page that uses every construct.

PAGE = textwrap.dedent(
    '''\
    ---
    description: a page
    ---

    # A page { #a-page }

    !!! abstract "In this chapter"

        What you learn, with $\\mathbf{x}$.

    <!-- a note for authors -->
    See [the basics](basics.md#backpropagation), [below](#later) and [PyTorch](https://pytorch.org/).

    ```python
    import torch

    x = torch.ones(2)
    print(x)
    ```

    <!--pytest-codeblocks:expected-output-->

    ```text
    tensor([1., 1.])
    ```

    ![a figure](figures/dot_graph.light.svg#only-light)
    ![a figure](figures/dot_graph.dark.svg#only-dark)

    ## Later { #later }

    !!! warning "Careful"

        An error:

        <!--pytest-codeblocks:cont-->
        <!-- raises: RuntimeError -->

        ```python
        torch.arange(4, requires_grad=True)
        ```

        <!--pytest-codeblocks:expected-output-->

        ```text
        RuntimeError: Only Tensors of floating point and complex dtype can require gradients
        ```

        After it.

    === "Tab one"

        In the first tab.

    ??? success "Answer"

        ```python
        --8<-- "snippets/exercises/chain_rule.py:function"
        ```
    '''
)


@pytest.fixture
def page(tmp_path) -> Path:
    path = tmp_path / "demo.en.md"
    path.write_text(PAGE, encoding="utf-8")
    return path


def markdown_of(notebook) -> str:
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def test_prose_reads_as_markdown_without_mkdocs_syntax(page):
    text = markdown_of(notebooks.chapter_notebook(page, "en", SITE))
    assert text.startswith("# A page\n\n> This notebook is generated from the course page [A page](")
    assert "> **In this chapter**\n>\n> What you learn, with $\\mathbf{x}$." in text
    assert "> **Careful**\n>\n> An error:" in text
    assert "> After it." in text
    assert "**Tab one**\n\nIn the first tab." in text
    assert "> **Answer**" in text
    for raw in ("!!!", "???", "===", "{ #", "<!--", "```text", "tensor([1., 1.])", "description:"):
        assert raw not in text, raw
    assert "## Later\n" in text


def test_links_and_figures_point_at_the_published_site(page):
    text = markdown_of(notebooks.chapter_notebook(page, "en", SITE))
    base = SITE.site_url
    assert f"[the basics]({base}en/basics/#backpropagation)" in text
    assert f"[below]({base}en/demo/#later)" in text
    assert "[PyTorch](https://pytorch.org/)" in text
    assert f"![a figure]({base}figures/dot_graph.light.svg)" in text
    assert "dark.svg" not in text
    zh = markdown_of(notebooks.chapter_notebook(page, "zh", SITE))
    assert f"[the basics]({base}basics/#backpropagation)" in zh


def test_code_cells_are_the_blocks_with_includes_expanded_and_errors_tagged(page):
    notebook = notebooks.chapter_notebook(page, "en", SITE)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.source for cell in code] == [
        "import torch\n\nx = torch.ones(2)\nprint(x)",
        "torch.arange(4, requires_grad=True)",
        expand_includes('--8<-- "snippets/exercises/chain_rule.py:function"\n').rstrip("\n"),
    ]
    assert "def f(x):" in code[2].source
    assert [cell.metadata.get("tags", []) for cell in code] == [[], ["raises-exception"], []]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_notebook_is_valid_with_fixed_ids_and_the_python3_kernel(page):
    notebook = notebooks.chapter_notebook(page, "en", SITE)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    assert [cell.id for cell in notebook.cells][:3] == ["demo-000", "demo-001", "demo-002"]
    again = notebooks.notebook_text(notebooks.chapter_notebook(page, "en", SITE))
    assert notebooks.notebook_text(notebook) == again


def test_colab_link_is_derived_from_repo_url():
    assert SITE.repo_url == mkdocs_yml()["repo_url"]
    owner_repo = SITE.repo_url.removeprefix("https://github.com/")
    assert notebooks.colab_url(SITE, DOCS / "labs" / "basics-lab.zh.ipynb") == (
        f"https://colab.research.google.com/github/{owner_repo}/blob/main/docs/labs/basics-lab.zh.ipynb"
    )


# --------------------------------------------------------------------------------------------------
# Every chapter's notebook.


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_code_cells_are_the_pages_python_blocks(path):
    expected = [expand_includes(b.code).rstrip("\n") for b in parse_blocks(path) if not b.skip_reason]
    notebook = notebook_of(path)
    assert chapter_notebooks.code_cells(notebook) == expected
    raises = [bool(b.raises) for b in parse_blocks(path) if not b.skip_reason]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [("raises-exception" in cell.metadata.get("tags", [])) for cell in code] == raises
    nbformat.validate(notebook)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_mkdocs_syntax_reaches_a_notebook(path):
    text = markdown_of(notebook_of(path))
    for line in text.splitlines():
        bare = line.lstrip("> ")
        assert not bare.startswith(("!!!", "???", "===", "--8<--")), f"{path.name}: {line}"
        assert not re.search(r"\{ *#[\w-]+ *\}", line), f"{path.name}: {line}"
    assert "<!--" not in text
    assert "#only-dark" not in text and "#only-light" not in text
    # Outputs are dropped; other fences (if any) are kept as prose.
    fences = read_fences(path.read_text(encoding="utf-8"), path)
    outputs = {b.expected.lineno for b in parse_blocks(path) if b.expected}
    kept = [f for f, _ in fences if f.info != "python" and f.lineno not in outputs]
    assert text.count("```") == 2 * len(kept)


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_english_notebook_has_the_chinese_notebooks_code(name):
    zh = chapter_notebooks.code_cells(notebook_of(DOCS / f"{name}.zh.md"))
    en = chapter_notebooks.code_cells(notebook_of(DOCS / f"{name}.en.md"))
    assert [code_without_comments(c) for c in en] == [code_without_comments(c) for c in zh]


def test_pages_without_code_get_no_notebook():
    names = {p.name.split(".")[0] for p in WITHOUT_CODE}
    assert {"index", "about", "glossary"} <= names
    assert "basics" in CHAPTER_NAMES and "exercises" in CHAPTER_NAMES


# --------------------------------------------------------------------------------------------------
# Running them: the venv's Python as the kernel, found without looking in the user's home.


def kernel_manager() -> KernelManager:
    # No kernel directories: only ipykernel's own spec, whose command is this interpreter.
    specs = KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def test_kernel_is_this_python():
    assert kernel_manager().kernel_spec.argv[0] == sys.executable


def run(notebook: nbformat.NotebookNode, cwd: Path) -> str | None:
    """Run every cell in order; describe the first unexpected error, or return None."""
    km = kernel_manager()
    client = NotebookClient(notebook, km=km, timeout=300, allow_errors=False, resources={"metadata": {"path": str(cwd)}})
    try:
        with client.setup_kernel():
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as err:
                    return f"cell {index} (id {cell.id}) raised:\n{cell.source}\n---\n{err}"
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        km.shutdown_kernel(now=True)
    return None


# One language only (the English notebooks have the same code, see above), to keep `make test` short.
RUNNABLE = [p for p in CHAPTERS if p.name.endswith(".zh.md")] + [p for p in LABS if p.name.endswith(".zh.ipynb")]


@pytest.mark.parametrize("path", RUNNABLE, ids=lambda p: p.name)
def test_notebook_runs_from_top_to_bottom(path, tmp_path):
    notebook = nbformat.read(path, as_version=4) if path.suffix == ".ipynb" else notebook_of(path)
    failure = run(notebook, tmp_path)
    assert failure is None, f"{path.relative_to(ROOT)}: {failure}"


def test_an_unexpected_error_names_the_cell(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("undefined_name"),
        ]
    )
    for index, cell in enumerate(notebook.cells):
        cell.id = f"demo-{index}"
    failure = run(notebook, tmp_path)
    assert failure is not None and failure.startswith("cell 2 (id demo-2) raised") and "NameError" in failure


# --------------------------------------------------------------------------------------------------
# The lab sources.


def test_labs_cover_each_part_of_the_course_in_both_languages():
    assert set(LAB_NAMES) >= {"basics-lab", "control-flow-lab", "exercises-lab"}
    for name in LAB_NAMES:
        assert (notebooks.LABS / f"{name}.zh.ipynb").exists() and (notebooks.LABS / f"{name}.en.ipynb").exists()
    nav = mkdocs_yml()["nav"]
    labs = next(entry["实验"] for entry in nav if isinstance(entry, dict) and "实验" in entry)
    assert sorted(labs) == [f"labs/{name}.ipynb" for name in LAB_NAMES]


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
    zh, en = (nbformat.read(notebooks.LABS / f"{name}.{lang}.ipynb", as_version=4) for lang in ("zh", "en"))
    code = [[code_without_comments(c.source) for c in nb.cells if c.cell_type == "code"] for nb in (zh, en)]
    assert code[0] == code[1]
    anchors = [[m.group("id") for c in nb.cells if c.cell_type == "markdown" for m in HEADING.finditer(c.source)] for nb in (zh, en)]
    assert anchors[0] == anchors[1] and anchors[0]
    for nb in (zh, en):
        headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines() if re.match(r"#{2,6} ", line)]
        assert len(headings) == len(anchors[0]), "every heading below the title carries <a id=...></a>"


# --------------------------------------------------------------------------------------------------
# The hook's build-time pieces, without a build.


def test_i18n_file_list_is_turned_back_into_lab_pages(tmp_path):
    config = SimpleNamespace(use_directory_urls=True, site_dir=str(tmp_path), plugins={})
    lab = File("labs/basics-lab.en.ipynb", str(DOCS), str(tmp_path), True, dest_uri="en/labs/basics-lab/index.html")
    other = File("basics.en.md", str(DOCS), str(tmp_path), True)
    files = Files([lab, other])
    result = notebooks.on_files(files, config)
    assert result is files, "i18n's own Files class must be kept (it resolves basics.md to basics.en.md)"
    pages = {f.src_uri: f for f in result.documentation_pages()}
    assert set(pages) == {"labs/basics-lab.en.ipynb", "basics.en.md"}
    assert pages["labs/basics-lab.en.ipynb"].url == "en/labs/basics-lab/"
    # Without mkdocs-jupyter's wrapping first, the notebook's own path becomes the page's.
    plain = Files([File("labs/x.ipynb", str(DOCS), str(tmp_path), True)])
    assert notebooks.on_files(plain, config).documentation_pages()[0].dest_uri == "labs/x/index.html"


def test_every_labs_cache_entry_is_kept_whichever_language_built_last(tmp_path):
    from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path

    jupyter_config = {"cache": True, "cache_dir": str(tmp_path), "execute": True, "kernel_name": "python3",
                      "theme": "", "allow_errors": False, "show_input": True, "no_input": False, "no_prompt": True,
                      "remove_tag_config": {}, "highlight_extra_classes": "", "include_requirejs": False,
                      "custom_mathjax_url": "", "toc_depth": 6}
    jupyter = SimpleNamespace(config=jupyter_config, _used_cache_paths=set())
    notebooks._state["pending"] = {}
    notebooks.on_post_build(SimpleNamespace(plugins={"mkdocs-jupyter": jupyter}))
    expected = {_get_cache_path(str(tmp_path), _compute_cache_key(str(p), jupyter_config, True)) for p in LABS}
    assert expected and expected <= jupyter._used_cache_paths


def test_lab_html_is_made_light_with_mathml_and_anchors():
    content = (
        '<script src="x.js"></script><style>.jp{}</style>'
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" data-mime-type="text/markdown">\n'
        '<h2 id="">Try it <a id="try-it"></a><a class="anchor-link" href="#">¶</a></h2>'
        f'<p>See <a href="{SITE.site_url}basics/">basics</a>: $x^2$ and <code>$HOME</code>.</p>\n</div>\n</div>\n</div>\n</div>'
        '<div class="highlight-ipynb hl-python"><pre><span></span>print(1)\n</pre></div>'
        '<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain" tabindex="0">\n<pre>1\n</pre>'
    )
    html, tokens = notebooks.lab_html(content, "labs/demo.zh.ipynb", "labs/demo/", SITE.site_url)
    assert "<script" not in html and ".jp{}" not in html and "tabindex" not in html
    assert '<h2 id="try-it">Try it<a class="headerlink" href="#try-it"' in html
    assert tokens == [{"level": 2, "id": "try-it", "name": "Try it", "children": []}]
    assert '<a href="../../basics/">basics</a>' in html
    assert "<math" in html and "$x^2$" not in html and "<code>$HOME</code>" in html
    assert '<div class="language-python highlight"><pre><span></span><code>print(1)' in html
    assert '<div class="language-text highlight"><pre><code>1\n</code></pre></div>' in html


# --------------------------------------------------------------------------------------------------
# The built site.


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict] = []
        self.loads: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.links.append(attributes)
        if tag == "script" and attributes.get("src"):
            self.loads.append(attributes["src"])
        if tag == "link" and "stylesheet" in (attributes.get("rel") or ""):
            self.loads.append(attributes["href"])


def links_of(html_path: Path) -> Links:
    parser = Links()
    parser.feed(html_path.read_text(encoding="utf-8"))
    return parser


def page_dir(site: Path, name: str, language: str) -> Path:
    base = site if language == SITE.default_language else site / language
    return base if name == "index" else base / name


@pytest.mark.build
@pytest.mark.parametrize("language", ["zh", "en"])
def test_built_chapters_offer_their_notebook(site, language):
    for name in CHAPTER_NAMES:
        folder = page_dir(site, name, language)
        buttons = [a for a in links_of(folder / "index.html").links if a.get("download")]
        assert len(buttons) == 1, f"{name} ({language}): one download button"
        target = folder / buttons[0]["href"]
        assert target.name == f"{name}.{language}.ipynb" and target.exists(), f"{name} ({language}): {target}"
        expected = notebooks.notebook_text(notebook_of(DOCS / f"{name}.{language}.md"))
        assert target.read_text(encoding="utf-8") == expected
    label = "Download this chapter as a notebook" if language == "en" else "下载本章 Notebook"
    assert label in (page_dir(site, "basics", language) / "index.html").read_text(encoding="utf-8")


@pytest.mark.build
def test_built_pages_without_code_have_no_notebook(site):
    for path in WITHOUT_CODE:
        name, language = path.name.split(".")[:2]
        folder = page_dir(site, name, language)
        html = (folder / "index.html").read_text(encoding="utf-8")
        assert "course-notebook" not in html, f"{path.name} has a notebook button"
        if name != "index":
            assert not list(folder.glob("*.ipynb"))


@pytest.mark.build
@pytest.mark.parametrize("language", ["zh", "en"])
def test_built_labs_are_rendered_pages_not_json(site, language):
    for name in LAB_NAMES:
        folder = page_dir(site, f"labs/{name}", language)
        html = (folder / "index.html").read_text(encoding="utf-8")
        assert not html.lstrip().startswith("{"), f"{name} ({language}) was published as raw JSON"
        assert "jp-CodeCell" in html and "jp-OutputArea" in html, f"{name} ({language}): no executed cells"
        assert "<math" in html and not re.search(r"\$[^$<]+\$", html), f"{name} ({language}): math left as TeX"
        assert "jupyter-wrapper" in html and "--jp-" not in html, "the JupyterLab CSS is stripped"
        parser = links_of(folder / "index.html")
        download = [a for a in parser.links if a.get("download")]
        assert [a["href"] for a in download] == [f"{name}.{language}.ipynb"]
        source = notebooks.LABS / f"{name}.{language}.ipynb"
        assert (folder / download[0]["href"]).read_bytes() == source.read_bytes()
        colab = [a["href"] for a in parser.links if a.get("href", "").startswith("https://colab.research.google.com/")]
        assert colab == [notebooks.colab_url(SITE, source)]
        ids = set(re.findall(r'\sid="([^"]+)"', html))
        for a in parser.links:
            href = a.get("href", "")
            if href.startswith("#") and len(href) > 1:
                assert href[1:] in ids, f"{name} ({language}): broken anchor {href}"
            elif href and not re.match(r"[a-z]+:|//|#", href):
                target = (folder / href.split("#")[0]).resolve()
                assert target.exists() or (target / "index.html").exists(), f"{name} ({language}): broken link {href}"


@pytest.mark.build
def test_a_lab_page_weighs_less_than_160_kb_gzipped(site):
    folder = page_dir(site, "labs/basics-lab", "zh")
    html = (folder / "index.html").read_bytes()
    total = len(gzip.compress(html, 9))
    for url in links_of(folder / "index.html").loads:
        asset = (folder / url.split("?")[0]).resolve()
        assert asset.is_file(), url
        total += len(gzip.compress(asset.read_bytes(), 9))
    total += (site / "fonts" / "course-math.woff2").stat().st_size  # the math font, used by the lab's formulas
    assert total < 160_000, f"{total / 1000:.0f} KB"


@pytest.mark.build
def test_lab_sitemap_alternates_point_at_each_language(site):
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert f'hreflang="en" href="{SITE.site_url}en/labs/basics-lab/"' in sitemap
    assert f'hreflang="zh" href="{SITE.site_url}labs/basics-lab/"' in sitemap
