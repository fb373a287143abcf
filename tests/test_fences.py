"""No Python block in docs/ escapes the tests: fences that look like Python must be collected."""

import subprocess
import sys

from course.markdown_blocks import ROOT, chains_of, parse_blocks, python_like_fences, read_fences

DOCS = ROOT / "docs"


def collected_items() -> set[str]:
    """Test ids pytest collects from docs/, asked of pytest itself."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {line.strip() for line in result.stdout.splitlines() if "::" in line}


def test_every_python_like_fence_is_exactly_python():
    wrong = [
        f"{path.relative_to(ROOT)}:{fence.lineno}: ```{fence.info}"
        for path in sorted(DOCS.glob("**/*.md"))
        for fence in python_like_fences(path)
        if fence.info != "python"
    ]
    assert wrong == [], "these fences would not run; write ```python:\n" + "\n".join(wrong)


def test_every_python_fence_is_collected_as_a_test():
    items = collected_items()
    fences = 0
    missing = []
    for path in sorted(DOCS.glob("**/*.md")):
        chains = chains_of(parse_blocks(path))
        heads = {block.lineno: chain.blocks[0].lineno for chain in chains for block in chain.blocks}
        for fence in python_like_fences(path):
            fences += 1
            head = heads.get(fence.lineno)
            if head is None or f"{path.relative_to(ROOT)}::line {head}" not in items:
                missing.append(f"{path.relative_to(ROOT)}:{fence.lineno}")
    assert fences > 0
    assert missing == [], "Python fences not collected as tests:\n" + "\n".join(missing)


def test_the_fence_check_spots_a_disguised_block(tmp_path):
    page = tmp_path / "page.md"
    page.write_text('```py\nprint(1)\n```\n\n```python title="x.py"\nprint(2)\n```\n\n```text\nout\n```\n')
    assert [f.info for f in python_like_fences(page)] == ["py", 'python title="x.py"']
    assert parse_blocks(page) == [], "neither is run, which is why the check above exists"


def test_text_fences_in_docs_are_outputs():
    """A ```text fence in docs/ is the checked output of a block; anything else would be typed by hand."""
    stray = []
    for path in sorted(DOCS.glob("**/*.md")):
        outputs = {b.expected.lineno for b in parse_blocks(path) if b.expected}
        text = path.read_text(encoding="utf-8")
        stray += [
            f"{path.relative_to(ROOT)}:{fence.lineno}"
            for fence, _ in read_fences(text, path)
            if fence.info == "text" and fence.lineno not in outputs
        ]
    assert stray == [], "```text fences that no test checks:\n" + "\n".join(stray)
