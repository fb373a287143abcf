"""snippets/flow_graph.py: the numbers a flow figure shows are those of the real backward pass."""

import re

import pytest
import torch
from engine import Value
from figure_style import LANGUAGES, save_figure
from flow_graph import draw_flow, engine_flow, torch_flow


def test_torch_flow_shows_each_nodes_value_and_gradient_and_each_edges_share():
    x = torch.arange(4.0, requires_grad=True)
    s = torch.dot(x, x)
    y = 2 * s
    flow = torch_flow(y, {"x": x, "s": s, "y": y})
    assert [(n.name, n.op, n.value, n.grad) for n in flow.nodes] == [
        ("x", "AccumulateGrad", "[0, 1, 2, 3]", "[0, 4, 8, 12]"),
        ("s", "DotBackward0", "14", "2"),
        ("y", "MulBackward0", "28", "1"),
    ]
    # x is used twice by the dot product: two edges, each carrying 2·x; their sum is x.grad.
    assert [(e.source, e.target, e.grad) for e in flow.edges] == [
        (0, 1, "[0, 2, 4, 6]"),
        (0, 1, "[0, 2, 4, 6]"),
        (1, 2, "2"),
    ]
    assert torch.equal(x.grad, 4 * x.detach())


def test_torch_flow_labels_each_edge_local_derivative_times_the_results_gradient():
    x = torch.arange(4.0, requires_grad=True)
    s = torch.dot(x, x)
    y = 2 * s
    flow = torch_flow(y, {"x": x, "s": s, "y": y})
    # The local derivative of a dot product for one factor is the other factor; of 2 * s for s, 2.
    assert [flow.label(e) for e in flow.edges] == [
        "[0, 1, 2, 3] × 2 = [0, 2, 4, 6]",
        "[0, 1, 2, 3] × 2 = [0, 2, 4, 6]",
        "2 × 1 = 2",
    ]


def test_torch_flow_reads_no_local_derivative_of_a_node_whose_output_has_several_elements():
    # Then what the node passes back for a gradient of ones is a sum over its outputs, not one
    # local derivative: the arrow shows the gradient alone.
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    flow = torch_flow((a * a).sum(), {"a": a})
    assert [flow.label(e) for e in flow.edges] == ["[1, 2]", "[1, 2]", "[1, 1] × 1 = [1, 1]"]


def test_a_constant_is_a_node_of_the_figure_only_where_its_slot_of_next_functions_is_none():
    a = torch.tensor(3.0, requires_grad=True)
    c = torch.tensor(4.0)
    z = a * c
    flow = torch_flow(z, {"a": a, "z": z}, constants={"c": (c, z, 1)})
    assert [(n.name, n.op, n.value, n.grad, n.constant) for n in flow.nodes] == [
        ("a", "AccumulateGrad", "3", "4", False),
        ("z", "MulBackward0", "12", "1", False),
        ("c", "None", "4", "", True),
    ]
    assert flow.output == 1 and [(e.source, e.target, e.grad) for e in flow.edges] == [(0, 1, "4"), (2, 1, "")]
    z = a * c
    with pytest.raises(ValueError, match="not a constant"):
        torch_flow(z, {"a": a}, constants={"a": (a, z, 0)})


def test_a_constant_has_no_node_and_an_unnamed_node_shows_no_value():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    c = torch.tensor([3.0, 4.0])
    z = (a * c).sum()
    flow = torch_flow(z, {"a": a, "z": z})
    assert [n.op for n in flow.nodes] == ["AccumulateGrad", "MulBackward0", "SumBackward0"]
    assert flow.nodes[1].value == "" and flow.nodes[1].grad == "[1, 1]"
    assert [(e.source, e.target, e.grad) for e in flow.edges] == [(0, 1, "[3, 4]"), (1, 2, "[1, 1]")]


def test_engine_flow_labels_each_edge_local_times_upstream():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + b
    flow = engine_flow(d, {"a": a, "b": b, "c": c, "d": d})
    grads = {n.name: n.grad for n in flow.nodes}
    assert grads == {"a": "3", "b": "3", "c": "1", "d": "1"}  # b: used twice, 2 + 1 = 3
    assert sorted(flow.label(e) for e in flow.edges) == ["1 × 1 = 1", "1 × 1 = 1", "2 × 1 = 2", "3 × 1 = 3"]


def test_a_flow_figure_is_drawn_once_per_language_with_its_own_words(tmp_path):
    x = torch.arange(4.0, requires_grad=True)
    flow = torch_flow(2 * torch.dot(x, x), {"x": x})
    written = save_figure("flow", lambda theme, lang: draw_flow(flow, theme, lang, "y"), tmp_path, languages=LANGUAGES)
    assert sorted(p.name for p in written) == sorted(
        f"flow.{lang}.{t}.svg" for lang in LANGUAGES for t in ("light", "dark")
    )
    zh, en = (tmp_path / "flow.zh.light.svg").read_text(), (tmp_path / "flow.en.light.svg").read_text()
    assert "梯度" in zh and not re.search(r"[\u4e00-\u9fff]", en) and "grad" in en
