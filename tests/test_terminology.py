"""One Chinese term per concept: the one docs/zh/glossary.md chooses.

For each concept, the variants the Chinese edition rejects are listed below with the chosen term. The
test reads the prose of every Chinese page (docs/zh/*.md and the Markdown cells of docs/zh/labs/*.ipynb),
leaving out code fences, inline code, math, HTML comments and tags, link targets and heading anchors,
and fails naming the page and line of each rejected variant it finds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ZH = ROOT / "docs" / "zh"

# concept: (chosen term, [(rejected variant as a regular expression, what it reads as)])
TERMS = {
    "Hessian": ("海森矩阵", [(r"(?<![A-Za-z])Hessian(?![A-Za-z])", "Hessian")]),
    "ulp": (
        "ulp",
        [(r"(?<![A-Za-z])ULPs?(?![A-Za-z])", "ULP"), (r"最小精度单位", "最小精度单位"), (r"舍入单位", "舍入单位")],
    ),
    "minibatch": ("小批量", [(r"小批次", "小批次")]),
    "backpropagation through time": (
        "通过时间反向传播",
        [(r"(?<!通过)随时间反向传播", "随时间反向传播")],
    ),
    # 正向 in the sense of "forward": 正向传播, 正向模式, 正向计算 ... (正向 as "positive direction" is not listed)
    "forward": ("前向", [(r"正向(?=传播|模式|计算|过程|执行|遍历|的计算|运算|求导|微分)", "正向")]),
    "backpropagation": ("反向传播", [(r"反向遍历", "反向遍历")]),
    # a notebook cell is a 单元格; 单元 alone (not 单元格, not 单元测试) reads as "unit"
    "notebook cell": ("单元格", [(r"单元(?!格|测试)", "单元")]),
    "saved-tensor hooks": (
        "保存张量的钩子",
        [(r"(?<![-\w])saved[- ]tensors?[- ]hooks?(?![-\w])", "saved-tensor hooks")],
    ),
    # a compute kernel (the code that runs one operation on one device): 内核, as in the glossary
    "kernel": ("内核", [(r"核函数", "核函数")]),
    # dropout is 暂退法 (D2L-zh); the English word may follow it in parentheses, "暂退法（dropout）"
    "dropout": ("暂退法", [(r"(?<!暂退法（)(?<![A-Za-z_.])[Dd]ropout(?![A-Za-z_])", "dropout")]),
    # activation checkpointing is 检查点, the glossary's one term
    "activation checkpointing": ("检查点", [(r"激活检查点", "激活检查点")]),
    # backward() accumulates into .grad: 累加, the glossary's term; 累积和 (a cumulative sum, cumsum) is spared
    "accumulate": ("累加", [(r"累积(?!和)", "累积")]),
    # a tensor's version counter is 版本计数器; 版本号 stays for a release's number, on a line that names
    # the package (run-yourself: "CUDA 版本号", "torch 2.14 的版本号", "安装时，完整的版本号")
    "version counter": ("版本计数器", [(r"^(?!.*(?:CUDA|PyPI|pip|安装|构建|torch \d)).*版本号", "版本号")]),
}

FENCE = re.compile(r"^\s*(```|~~~)")


def strip_inline(line: str) -> str:
    """The prose of one line: inline code, math, link targets, tags and anchors blanked out."""
    line = re.sub(r"`[^`]*`", " ", line)
    line = re.sub(r"\$\$.*?\$\$", " ", line)
    line = re.sub(r"\$[^$]*\$", " ", line)
    line = re.sub(r"\]\([^)]*\)", "] ", line)
    line = re.sub(r"<[^>]*>", " ", line)
    line = re.sub(r"\{ #[^}]*\}", " ", line)
    return line


def prose_lines(text: str):
    """(line number, prose) for each line of a Markdown text outside fences, comments and display math."""
    in_fence = in_comment = in_math = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if in_comment:
            if "-->" in line:
                in_comment = False
                line = line.split("-->", 1)[1]
            else:
                continue
        line = re.sub(r"<!--.*?-->", " ", line)
        if "<!--" in line:
            line, in_comment = line.split("<!--", 1)[0], True
        if line.strip() == "$$":
            in_math = not in_math
            continue
        if in_math:
            continue
        yield number, strip_inline(line)


def glossary_english_cell(path: Path, line: str) -> str:
    """In the glossary's tables, the second cell is the English term: it is not Chinese prose."""
    if path.name == "glossary.md" and line.lstrip().startswith("|"):
        cells = line.split("|")
        if len(cells) > 3:
            cells[2] = " "
            return "|".join(cells)
    return line


def pages():
    for path in sorted(ZH.glob("*.md")):
        yield path, path.read_text(encoding="utf-8")
    for path in sorted((ZH / "labs").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        markdown = []
        for index, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                source = "".join(cell["source"])
                markdown.append((index, source))
        yield path, markdown


def hits():
    found = []
    for path, content in pages():
        if isinstance(content, str):
            places = [
                (f"{path.relative_to(ROOT)}:{n}", glossary_english_cell(path, prose))
                for n, prose in prose_lines(content)
            ]
        else:
            places = [
                (f"{path.relative_to(ROOT)} cell {index} line {n}", prose)
                for index, source in content
                for n, prose in prose_lines(source)
            ]
        for where, prose in places:
            for concept, (chosen, variants) in TERMS.items():
                for pattern, shown in variants:
                    if re.search(pattern, prose):
                        found.append(f"{where}: {shown} -> {chosen} ({concept})")
    return found


def test_the_glossary_names_every_chosen_term():
    glossary = (ZH / "glossary.md").read_text(encoding="utf-8")
    for concept, (chosen, _) in TERMS.items():
        assert chosen in glossary, f"{concept}: the glossary does not use {chosen}"


@pytest.mark.parametrize(
    "prose, expected",
    [
        ("用海森矩阵", []),
        ("用 Hessian 求", ["Hessian"]),
        ("`torch.autograd.functional.hessian` 与 `Hessian`", []),
        ("正向传播", ["正向"]),
        ("梯度方向是正向的", []),
        ("运行下一个单元", ["单元"]),
        ("运行下一个单元格", []),
        ("截断的随时间反向传播", ["随时间反向传播"]),
        ("通过时间反向传播", []),
        ("[链接](function-and-hooks.md#saved-tensors-hooks)", []),
        ("用 saved-tensor hooks 查看", ["saved-tensor hooks"]),
        ("确定性的 CPU 核函数", ["核函数"]),
        ("确定性的 CPU 内核", []),
        ("比如 dropout 掩码", ["dropout"]),
        ("比如暂退法（dropout），", []),
        ("`torch.nn.functional.dropout` 与 `nn.Dropout`", []),
        ("PyTorch 的激活检查点", ["激活检查点"]),
        ("PyTorch 的检查点", []),
        ("分离出的张量与原张量共用一个版本号", ["版本号"]),
        ("对其中任何一个做原地的 torch 运算，版本号都会加一", ["版本号"]),
        ("共用一个版本计数器", []),
        ("从 PyPI 装的 torch 2.14 的版本号末尾是 `+cu130`", []),
        ("后面加上 `+cu` 和 CUDA 版本号", []),
        ("跨小批量累积梯度", ["累积"]),
        ("跨小批量累加梯度", []),
        ("练习 2 用累积和演示", []),
    ],
)
def test_the_rules_catch_the_variants_and_spare_the_chosen_terms(prose, expected):
    ((_, line),) = list(prose_lines(prose))
    shown = [s for _, (_, variants) in TERMS.items() for pattern, s in variants if re.search(pattern, line)]
    assert shown == expected


def test_every_chinese_page_keeps_the_glossary_terms():
    found = hits()
    assert not found, "rejected Chinese variants (page:line: variant -> chosen term):\n" + "\n".join(found)
