"""Read the graph autograd recorded behind a tensor, and draw it.

Used by the figure scripts and, through the named region `count`, by the pages that count nodes
(errors, exercises); the walk uses only public attributes
(``grad_fn``, ``next_functions``, ``AccumulateGrad.variable``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import torch


@dataclass
class RecordedGraph:
    """Nodes in breadth-first order from the output, and edges as (from, to) index pairs."""

    labels: list[str] = field(default_factory=list)
    depths: list[int] = field(default_factory=list)
    edges: Counter = field(default_factory=Counter)


# The region `count` has no comments or docstrings, since pages in both languages show it; their
# prose explains it. nodes_behind(output) is every node reachable from output.grad_fn through
# next_functions, the work list of a backward sweep (a None in next_functions stands for an input
# that needs no gradient); count_nodes(output) is how many there are (0 for a tensor
# without a grad_fn: a leaf or a constant).
# --8<-- [start:count]
def nodes_behind(output):
    seen = set()
    todo = [output.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        todo.extend(child for child, _ in node.next_functions)
    return seen


def count_nodes(output):
    return len(nodes_behind(output))
# --8<-- [end:count]


def read_graph(output: torch.Tensor, leaf_names: dict[int, str] | None = None) -> RecordedGraph:
    """Walk ``output.grad_fn`` towards the leaves.

    ``leaf_names`` maps ``id(tensor)`` of a leaf to the name shown on its AccumulateGrad node.
    A node's depth is its longest distance from the output, so every edge points downwards.
    """
    if output.grad_fn is None:
        raise ValueError("the tensor has no grad_fn: nothing was recorded")
    leaf_names = leaf_names or {}
    graph = RecordedGraph()
    index: dict[object, int] = {}
    order = [output.grad_fn]
    index[output.grad_fn] = 0
    depth = {output.grad_fn: 0}
    position = 0
    while position < len(order):
        node = order[position]
        position += 1
        for child, _ in node.next_functions:
            if child is None:  # an input that needs no gradient (a constant)
                continue
            if child not in index:
                index[child] = len(order)
                order.append(child)
            depth[child] = max(depth.get(child, 0), depth[node] + 1)
            graph.edges[(index[node], index[child])] += 1
    for node in order:
        label = node.name().removeprefix("torch::autograd::")
        if hasattr(node, "variable"):
            label = f"{label}\n{leaf_names.get(id(node.variable), 'leaf')}"
        graph.labels.append(label)
        graph.depths.append(depth[node])
    return graph


def draw_graph(graph: RecordedGraph, theme: dict, title: str, output_name: str):
    """A top-down drawing: the output at the top, the leaves at the bottom."""
    import matplotlib.pyplot as plt

    rows: dict[int, list[int]] = {}
    for node, depth in enumerate(graph.depths):
        rows.setdefault(depth, []).append(node)
    height = max(rows) + 2
    width = max(len(nodes) for nodes in rows.values())
    fig, ax = plt.subplots(figsize=(max(4.0, 3.2 * width), 1.25 * height))
    ax.set_axis_off()
    xy: dict[int, tuple[float, float]] = {}
    for depth, nodes in rows.items():
        for slot, node in enumerate(nodes):
            xy[node] = (slot - (len(nodes) - 1) / 2, -(depth + 1))
    box = {"boxstyle": "round,pad=0.4", "facecolor": theme["node"], "edgecolor": theme["lines"][0]}
    ax.text(0, 0, output_name, ha="center", va="center", fontsize=12, bbox={**box, "edgecolor": theme["text"]})
    ax.annotate("", xy=(0, -0.72), xytext=(0, -0.28), arrowprops={"arrowstyle": "-|>", "color": theme["text"]})
    for node, (x, y) in xy.items():
        ax.text(x, y, graph.labels[node], ha="center", va="center", fontsize=10, bbox=box)
    for (start, end), count in sorted(graph.edges.items()):
        (x0, y0), (x1, y1) = xy[start], xy[end]
        bends = [0.0] if count == 1 else [0.6 * (k - (count - 1) / 2) for k in range(count)]
        for bend in bends:
            ax.annotate(
                "",
                xy=(x1, y1 + 0.28),
                xytext=(x0, y0 - 0.28),
                arrowprops={"arrowstyle": "-|>", "color": theme["lines"][1], "connectionstyle": f"arc3,rad={bend}"},
            )
    xs = [x for x, _ in xy.values()]
    ax.set_xlim(min(xs) - 1.1, max(xs) + 1.1)
    ax.set_ylim(-height + 0.4, 0.5)
    ax.set_title(title)
    return fig
