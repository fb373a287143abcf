"""A computational graph with the numbers that flow through it, read from a real backward pass.

Each box is a node: its name, the operation that made it (for a leaf of torch, the
``AccumulateGrad`` node that holds it), its forward value and its gradient (d output / d node).
Inputs are on the left, the output (a thick box) on the right. Each arrow points back from a node
to an input it was computed from and carries the gradient that flowed back along it in the
backward pass. Two readers fill the same :class:`Flow`:

* :func:`torch_flow` runs ``output.backward()`` on a real torch graph, with a hook on every
  ``grad_fn`` node that records what the node received and what it passed to each input;
* :func:`engine_flow` runs the course's engine (snippets/from_scratch/engine.py) and reads its
  nodes, which keep their value, gradient and local derivatives.

:func:`draw_flow` draws either one, with its words in the page's language::

    flow = torch_flow(y, {"x": x, "s": s, "y": y})
    save_figure("dot_flow", lambda theme, lang: draw_flow(flow, theme, lang, "y = 2 s"),
                languages=LANGUAGES)
"""

from __future__ import annotations

from dataclasses import dataclass, field

WORDS = {
    "zh": {"value": "值", "grad": "梯度",
           "legend": "前向传播从左到右：输入在左，输出（粗框）在右。方框：节点的值与梯度（输出对它的导数）。"
                     "箭头：反向传播时沿这条边流回输入的梯度"},
    "en": {"value": "value", "grad": "grad",
           "legend": "forward pass left to right: inputs on the left, the output (thick box) on the right. "
                     "Boxes: each node's value and gradient (d output / d node). "
                     "Arrows: the gradient that flows back along each edge to the input"},
}


@dataclass
class FlowNode:
    name: str  # the variable's name on the page ("x", "s"), or "" for a node the page leaves unnamed
    op: str  # the operation: a grad_fn's name ("DotBackward0") or the engine's op ("*")
    value: str  # the forward value, formatted
    grad: str  # d output / d node, formatted


@dataclass
class FlowEdge:
    source: int  # index of the input
    target: int  # index of the node computed from it
    grad: str  # the gradient that flowed back from target to source


@dataclass
class Flow:
    nodes: list[FlowNode] = field(default_factory=list)  # inputs first, the output last
    edges: list[FlowEdge] = field(default_factory=list)


def number(value: float) -> str:
    """A float as a reader writes it: 28, 0.5, -1.25, 3.142."""
    text = f"{value:.4g}"
    return "0" if text == "-0" else text


def tensor_text(tensor) -> str:
    """A small tensor as a nested list of numbers: 28, [0, 4, 8, 12], [[1, 2], [3, 4]]."""
    data = tensor.detach().tolist()

    def show(item):
        return "[" + ", ".join(show(i) for i in item) + "]" if isinstance(item, list) else number(item)

    return show(data)


def torch_flow(output, names: dict) -> Flow:
    """Run ``output.backward()`` and record the numbers at every node of its graph.

    ``names`` maps a name to a tensor of the graph (leaves and intermediates); a node shows a value
    only if the page names its tensor. The graph is freed by the backward pass, as usual.
    """
    if output.grad_fn is None:
        raise ValueError("the output has no grad_fn: nothing was recorded")
    order, seen = [], set()

    def visit(node):  # depth first: every node after the inputs it was computed from
        if node is None or node in seen:
            return
        seen.add(node)
        for child, _ in node.next_functions:
            visit(child)
        order.append(node)

    visit(output.grad_fn)
    tensor_of = {}
    for name, tensor in names.items():
        node = tensor.grad_fn
        if node is None:  # a leaf: its node is the AccumulateGrad that holds it
            node = next((n for n in order if getattr(n, "variable", None) is tensor), None)
        if node is not None:
            tensor_of[node] = (name, tensor)
    received, passed, handles = {}, {}, []
    for node in order:
        if hasattr(node, "variable"):
            continue  # a leaf's gradient is read from its .grad
        handles.append(node.register_prehook(lambda grads, node=node: received.__setitem__(node, grads[0])))
        handles.append(node.register_hook(lambda inputs, outputs, node=node: passed.__setitem__(node, inputs)))
    try:
        output.backward()
    finally:
        for handle in handles:
            handle.remove()
    flow = Flow()
    index = {node: k for k, node in enumerate(order)}
    for node in order:
        name, tensor = tensor_of.get(node, ("", None))
        op = node.name().removeprefix("torch::autograd::")
        if hasattr(node, "variable"):
            grad = node.variable.grad
            value = tensor_text(node.variable)
        else:
            grad = received.get(node)
            value = tensor_text(tensor) if tensor is not None else ""
        flow.nodes.append(FlowNode(name, op, value, tensor_text(grad) if grad is not None else ""))
        for slot, (child, _) in enumerate(node.next_functions):
            if child is not None:
                flow.edges.append(FlowEdge(index[child], index[node], tensor_text(passed[node][slot])))
    return flow


def engine_flow(output, names: dict) -> Flow:
    """Run ``output.backward()`` of the course's engine and read every node it walked.

    Each edge carries ``local × upstream = contribution``: the engine keeps the local derivative.
    """
    from engine import topological_order

    output.backward()
    order = topological_order(output)
    name_of = {id(value): name for name, value in names.items()}
    index = {id(node): k for k, node in enumerate(order)}
    flow = Flow()
    for node in order:
        flow.nodes.append(FlowNode(name_of.get(id(node), ""), node.op, number(node.data), number(node.grad)))
        for parent, local in zip(node._parents, node._local_grads):
            text = f"{number(local)} × {number(node.grad)} = {number(local * node.grad)}"
            flow.edges.append(FlowEdge(index[id(parent)], index[id(node)], text))
    return flow


def columns_and_rows(flow: Flow) -> tuple[dict[int, int], dict[int, float]]:
    """Columns by longest distance from the inputs; in a column, nodes near their inputs' rows."""
    inputs: dict[int, list[int]] = {k: [] for k in range(len(flow.nodes))}
    for edge in flow.edges:
        inputs[edge.target].append(edge.source)
    column: dict[int, int] = {}
    for k in range(len(flow.nodes)):  # inputs come first, so each input's column is known
        column[k] = 1 + max((column[i] for i in inputs[k]), default=-1)
    row: dict[int, float] = {}
    for c in sorted(set(column.values())):
        members = [k for k in column if column[k] == c]
        wanted = [sum(row[i] for i in inputs[k]) / len(inputs[k]) if inputs[k] else 0.0 for k in members]
        if len(set(wanted)) < len(wanted):  # spread nodes that want the same row, in order
            middle = sum(wanted) / len(wanted)
            wanted = [middle + (len(members) - 1) / 2 - j for j in range(len(members))]
        row.update(zip(members, wanted))
    return column, row


def draw_flow(flow: Flow, theme: dict, lang: str, title: str):
    """Draw ``flow`` left to right, with its words in ``lang``.

    Positions are in inches: every box and edge label is measured first, so that each column is
    as wide as its widest box and each gap as wide as its widest label, and nothing overlaps.
    """
    import matplotlib.pyplot as plt

    words = WORDS[lang]
    column, row = columns_and_rows(flow)
    fig = plt.figure()
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()

    def size(artist) -> tuple[float, float]:
        box = artist.get_window_extent()  # measured with the figure's own renderer
        return box.width / fig.dpi, box.height / fig.dpi

    last = len(flow.nodes) - 1
    boxes = []
    for k, node in enumerate(flow.nodes):
        head = f"{node.name}  ({node.op})" if node.name and node.op else node.name or node.op
        lines = [head]
        if node.value:
            lines.append(f"{words['value']} = {node.value}")
        if node.grad:
            lines.append(f"{words['grad']} = {node.grad}")
        style = {"boxstyle": "round,pad=0.4", "facecolor": theme["node"],
                 "edgecolor": theme["text"] if k == last else theme["lines"][0], "linewidth": 2 if k == last else 1}
        boxes.append(ax.text(0, 0, "\n".join(lines), ha="center", va="center", fontsize=10, bbox=style))
    label_style = {"boxstyle": "round,pad=0.15", "facecolor": theme["background"], "edgecolor": "none"}
    labels = [ax.text(0, 0, e.grad, ha="center", va="center", fontsize=9, color=theme["lines"][1], bbox=label_style, zorder=4)
              for e in flow.edges]
    fig.draw_without_rendering()  # sizes each box around its text
    box_size = [size(b.get_bbox_patch()) for b in boxes]
    gap = max([size(label)[0] for label in labels] + [0.3]) + 0.5
    n_columns = max(column.values()) + 1
    width = [max(box_size[k][0] for k in column if column[k] == c) for c in range(n_columns)]
    left = [sum(width[:c]) + gap * c for c in range(n_columns)]
    pitch = max(h for _, h in box_size) + 0.6
    top = max(row.values())
    centre = {k: (left[column[k]] + width[column[k]] / 2, (top - row[k]) * -pitch) for k in column}
    for k, box in enumerate(boxes):
        box.set_position(centre[k])
    parallel: dict[tuple[int, int], int] = {}
    for edge in flow.edges:
        parallel[(edge.source, edge.target)] = parallel.get((edge.source, edge.target), 0) + 1
    drawn: dict[tuple[int, int], int] = {}
    for edge, label in zip(flow.edges, labels):
        key = (edge.source, edge.target)
        count, k = parallel[key], drawn.get(key, 0)
        drawn[key] = k + 1
        offset = 0.0 if count == 1 else 0.42 * (k - (count - 1) / 2)  # parallel edges, one above another
        (x0, y0), (x1, y1) = centre[edge.source], centre[edge.target]
        start = (x0 + box_size[edge.source][0] / 2, y0 - offset)
        end = (x1 - box_size[edge.target][0] / 2, y1 - offset)
        # The arrow points the way its number travels: back, from the result to the input it was computed from.
        ax.annotate("", xy=start, xytext=end,
                    arrowprops={"arrowstyle": "-|>", "color": theme["lines"][1], "shrinkA": 1, "shrinkB": 1})
        # The label on the edge, a fixed distance before its end, where edges into one node differ most.
        t = max(0.5, 1 - (size(label)[0] / 2 + 0.25) / max(end[0] - start[0], 1e-9))
        label.set_position((start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1])))
    xs = [x for x, _ in centre.values()]
    ys = [y for _, y in centre.values()]
    x_min, x_max = min(xs) - width[0] / 2 - 0.2, max(xs) + width[-1] / 2 + 0.2
    y_min, y_max = min(ys) - pitch / 2 - 0.35, max(ys) + pitch / 2 + 0.2
    fig.set_size_inches(x_max - x_min, y_max - y_min)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.text(x_min + (x_max - x_min) / 2, y_max - 0.05, title, ha="center", va="top", fontsize=12)
    ax.text(x_min + (x_max - x_min) / 2, y_min + 0.05, words["legend"], ha="center", va="bottom", fontsize=9)
    return fig
