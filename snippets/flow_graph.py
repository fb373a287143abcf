"""A computational graph with the numbers that flow through it, read from a real backward pass.

Each box is a node: its name, the operation that made it (for a leaf of torch, the
``AccumulateGrad`` node that holds it), its forward value and its gradient (d output / d node).
Inputs are on the left, the output (a thick box) on the right. Each arrow points back from a node
to an input it was computed from and carries ``local derivative × the node's gradient = the
gradient that flowed back along it`` in the backward pass. A constant the page names (a tensor
that requires no grad: its slot in ``next_functions`` is ``None``) is a dashed box, joined to the
node that used it by a dashed line with no arrow: no gradient goes there. Two readers fill the
same :class:`Flow`:

* :func:`torch_flow` runs ``output.backward()`` on a real torch graph, with a hook on every
  ``grad_fn`` node that records what the node received and what it passed to each input, and
  what it passes for a received gradient of 1 (its local derivatives, read when its output has
  one element);
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
    "zh": {
        "value": "值",
        "grad": "梯度",
        # The legend's parts, in order: draw_flow puts as many on a line as fit the graph's width.
        "legend": (
            "前向传播从左到右：输入在左，输出（粗框）在右。",
            "方框：节点的值与梯度（输出对它的导数）。",
            "箭头：反向传播时沿这条边流回输入的梯度。",
        ),
        "local": "箭头上：局部导数 × 结果的梯度 = 沿这条边流回输入的梯度。",
        "constant": "不收梯度",
        "constant_legend": "虚线框：常量，next_functions 里的 None，梯度不往那里传。",
    },
    "en": {
        "value": "value",
        "grad": "grad",
        "legend": (
            "Forward pass left to right: inputs on the left, the output (thick box) on the right.",
            "Boxes: each node's value and gradient (d output / d node).",
            "Arrows: the gradient that flows back along each edge to the input.",
        ),
        "local": "On each arrow: local derivative × the result's gradient = the gradient that flows back to the input.",
        "constant": "no gradient",
        "constant_legend": "Dashed box: a constant, the None in next_functions; no gradient goes there.",
    },
}


@dataclass
class FlowNode:
    name: str  # the variable's name on the page ("x", "s"), or "" for a node the page leaves unnamed
    op: str  # the operation: a grad_fn's name ("DotBackward0") or the engine's op ("*")
    value: str  # the forward value, formatted
    grad: str  # d output / d node, formatted
    constant: bool = False  # a tensor that requires no grad: no node of the graph, no gradient


@dataclass
class FlowEdge:
    source: int  # index of the input
    target: int  # index of the node computed from it
    grad: str  # the gradient that flowed back from target to source ("" from a constant)
    local: str = ""  # d target / d source, formatted, or "" if unknown: then the arrow shows grad alone


@dataclass
class Flow:
    nodes: list[FlowNode] = field(default_factory=list)  # inputs first, the output, then the constants
    edges: list[FlowEdge] = field(default_factory=list)

    @property
    def output(self) -> int:
        """The index of the output: the last node that is not a constant."""
        return max(k for k, node in enumerate(self.nodes) if not node.constant)

    def label(self, edge: FlowEdge) -> str:
        """What the arrow of ``edge`` carries: ``local × the result's gradient = grad`` when the local
        derivative is known."""
        if not edge.local:
            return edge.grad
        return f"{edge.local} × {self.nodes[edge.target].grad} = {edge.grad}"


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


def torch_flow(output, names: dict, constants: dict | None = None) -> Flow:
    """Run ``output.backward()`` and record the numbers at every node of its graph.

    ``names`` maps a name to a tensor of the graph (leaves and intermediates); a node shows a value
    only if the page names its tensor. ``constants`` maps a name to ``(constant, result, slot)``:
    a tensor that requires no grad, the tensor computed from it, and the slot of the result's
    ``grad_fn.next_functions`` that is ``None`` for it (checked). The graph is freed by the
    backward pass, as usual.

    Each edge's local derivative is what its node passes back for a received gradient of 1 (the
    node's own backward, called in a hook just before the node runs), read only for a node whose
    output has one element: then ``local × received = passed``.
    """
    import torch

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
    received, passed, local, handles = {}, {}, {}, []

    def before(node, grads):
        received[node] = grads[0]
        if grads[0].numel() == 1:
            with torch.no_grad():
                given = node(torch.ones_like(grads[0]))  # its saved tensors are still there
            local[node] = given if isinstance(given, tuple) else (given,)  # a node with one input returns a tensor

    for node in order:
        if hasattr(node, "variable"):
            continue  # a leaf's gradient is read from its .grad
        handles.append(node.register_prehook(lambda grads, node=node: before(node, grads)))
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
                derivative = tensor_text(local[node][slot]) if node in local else ""
                flow.edges.append(FlowEdge(index[child], index[node], tensor_text(passed[node][slot]), derivative))
    for name, (tensor, result, slot) in (constants or {}).items():
        if tensor.requires_grad or result.grad_fn.next_functions[slot][0] is not None:
            raise ValueError(f"{name} is not a constant in slot {slot} of the node of its result")
        flow.nodes.append(FlowNode(name, "None", tensor_text(tensor), "", constant=True))
        flow.edges.append(FlowEdge(len(flow.nodes) - 1, index[result.grad_fn], ""))
    return flow


def engine_flow(output, names: dict) -> Flow:
    """Run ``output.backward()`` of the course's engine and read every node it walked.

    Each edge carries ``local × upstream = contribution``: the engine keeps the local derivative.
    A plain Python number used by a node (``s * 4.0``) is not a node of the engine: it is not drawn.
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
            flow.edges.append(FlowEdge(index[id(parent)], index[id(node)], number(local * node.grad), number(local)))
    return flow


def columns_and_rows(flow: Flow) -> tuple[dict[int, int], dict[int, float]]:
    """Columns by longest distance from the inputs; in a column, nodes near their inputs' rows.

    A constant goes in the column before the node that used it, one row below that column's nodes.
    """
    inputs: dict[int, list[int]] = {k: [] for k in range(len(flow.nodes))}
    for edge in flow.edges:
        if not flow.nodes[edge.source].constant:
            inputs[edge.target].append(edge.source)
    graph = [k for k, node in enumerate(flow.nodes) if not node.constant]
    column: dict[int, int] = {}
    for k in graph:  # inputs come first, so each input's column is known
        column[k] = 1 + max((column[i] for i in inputs[k]), default=-1)
    row: dict[int, float] = {}
    for c in sorted(set(column.values())):
        members = [k for k in graph if column[k] == c]
        wanted = [sum(row[i] for i in inputs[k]) / len(inputs[k]) if inputs[k] else 0.0 for k in members]
        if len(set(wanted)) < len(wanted):  # spread nodes that want the same row, in order
            middle = sum(wanted) / len(wanted)
            wanted = [middle + (len(members) - 1) / 2 - j for j in range(len(members))]
        row.update(zip(members, wanted))
    for edge in flow.edges:
        if flow.nodes[edge.source].constant:
            c = max(column[edge.target] - 1, 0)
            below = min((row[k] for k in row if column[k] == c), default=row[edge.target] + 0.5)
            column[edge.source], row[edge.source] = c, below - 1
    return column, row


PORT_PITCH = 0.42  # inches between two edges that leave or enter the same side of a box


def edge_ports(flow: Flow, centre: dict[int, tuple[float, float]]) -> list[tuple[float, float]]:
    """For each edge, the heights (from the box's centre) where it leaves its input and enters its result.

    The edges on one side of a box are spread PORT_PITCH apart, ordered by the height of their
    other end, so that they do not cross there and the labels near their ends stay apart.
    """
    sides: dict[tuple[int, str], list[int]] = {}
    for i, edge in enumerate(flow.edges):
        sides.setdefault((edge.source, "out"), []).append(i)
        sides.setdefault((edge.target, "in"), []).append(i)
    ports = [[0.0, 0.0] for _ in flow.edges]
    for (node, side), members in sides.items():
        other = (lambda i: flow.edges[i].target) if side == "out" else (lambda i: flow.edges[i].source)
        members = sorted(members, key=lambda i: -centre[other(i)][1])  # stable: parallel edges keep their order
        for j, i in enumerate(members):
            ports[i][0 if side == "out" else 1] = PORT_PITCH * ((len(members) - 1) / 2 - j)
    return [tuple(p) for p in ports]


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

    last = flow.output
    boxes = []
    for k, node in enumerate(flow.nodes):
        head = f"{node.name}  ({node.op})" if node.name and node.op else node.name or node.op
        lines = [head]
        if node.value:
            lines.append(f"{words['value']} = {node.value}")
        if node.grad:
            lines.append(f"{words['grad']} = {node.grad}")
        if node.constant:
            lines.append(words["constant"])
        style = {
            "boxstyle": "round,pad=0.4",
            "facecolor": theme["background"] if node.constant else theme["node"],
            "edgecolor": theme["text"] if k == last or node.constant else theme["lines"][0],
            "linewidth": 2 if k == last else 1,
            "linestyle": "--" if node.constant else "-",
        }
        boxes.append(
            ax.text(0, 0, "\n".join(lines), ha="center", va="center", fontsize=10, bbox=style, gid=f"node-{k}")
        )
    label_style = {"boxstyle": "round,pad=0.15", "facecolor": theme["background"], "edgecolor": "none"}
    labels = [
        None
        if flow.nodes[e.source].constant
        else ax.text(
            0,
            0,
            flow.label(e),
            ha="center",
            va="center",
            fontsize=9,
            color=theme["lines"][1],
            bbox=label_style,
            zorder=4,
        )
        for e in flow.edges
    ]
    fig.draw_without_rendering()  # sizes each box around its text
    box_size = [size(b.get_bbox_patch()) for b in boxes]
    n_columns = max(column.values()) + 1
    # The gap after a column is as wide as the widest label of an edge that starts there: a label
    # sits next to the arrowhead, by the input that receives its number.
    gaps = [0.0] + [
        max([size(label)[0] for e, label in zip(flow.edges, labels) if label and column[e.source] == c] + [0.3]) + 0.5
        for c in range(n_columns - 1)
    ]
    width = [max(box_size[k][0] for k in column if column[k] == c) for c in range(n_columns)]
    left = [sum(width[:c]) + sum(gaps[: c + 1]) for c in range(n_columns)]
    pitch = max(h for _, h in box_size) + 0.6
    top = max(row.values())
    centre = {k: (left[column[k]] + width[column[k]] / 2, (top - row[k]) * -pitch) for k in column}
    for k, box in enumerate(boxes):
        box.set_position(centre[k])
    ports = edge_ports(flow, centre)
    for i, (edge, label) in enumerate(zip(flow.edges, labels)):
        (x0, y0), (x1, y1) = centre[edge.source], centre[edge.target]
        out_port, in_port = ports[i]
        start = (x0 + box_size[edge.source][0] / 2, y0 + out_port)
        end = (x1 - box_size[edge.target][0] / 2, y1 + in_port)
        if label is None:  # a constant: a dashed line with no arrow, since no gradient goes back along it
            ax.annotate(
                "",
                xy=start,
                xytext=end,
                gid=f"edge-{i}",
                arrowprops={"arrowstyle": "-", "color": theme["text"], "linestyle": "--", "shrinkA": 1, "shrinkB": 1},
            )
            continue
        # The arrow points the way its number travels: back, from the result to the input it was computed from.
        ax.annotate(
            "",
            xy=start,
            xytext=end,
            gid=f"edge-{i}",
            arrowprops={"arrowstyle": "-|>", "color": theme["lines"][1], "shrinkA": 1, "shrinkB": 1},
        )
        # The label on the edge, a fixed distance after its arrowhead, where the ports keep the edges
        # out of one input apart: the numbers an input receives are read next to it.
        t = min(0.5, (size(label)[0] / 2 + 0.25) / max(end[0] - start[0], 1e-9))
        label.set_position((start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1])))
        label.set_gid(f"edge-label-{i}")
    xs = [x for x, _ in centre.values()]
    ys = [y for _, y in centre.values()]
    x_min, x_max = min(xs) - width[0] / 2 - 0.2, max(xs) + width[-1] / 2 + 0.2
    legend = ax.text(0, 0, "", ha="center", va="bottom", fontsize=9, gid="legend")

    def measure(text: str) -> float:
        legend.set_text(text)
        return size(legend)[0]

    parts = list(words["legend"])
    if flow.edges and all(e.local for e, label in zip(flow.edges, labels) if label):
        parts[-1] = words["local"]
    if any(node.constant for node in flow.nodes):
        parts.append(words["constant_legend"])
    lines = legend_lines(parts, x_max - x_min - 0.2, measure)
    legend.set_text("\n".join(lines))
    legend_height = size(legend)[1]
    y_min, y_max = min(ys) - pitch / 2 - 0.15 - legend_height, max(ys) + pitch / 2 + 0.2
    fig.set_size_inches(x_max - x_min, y_max - y_min)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.text(x_min + (x_max - x_min) / 2, y_max - 0.05, title, ha="center", va="top", fontsize=12, gid="title")
    legend.set_position((x_min + (x_max - x_min) / 2, y_min + 0.05))
    return fig


def legend_lines(parts, width: float, measure) -> list[str]:
    """The legend's parts on as few lines as fit ``width`` inches (``measure(text)`` gives a width)."""
    lines: list[str] = []
    for part in parts:
        if lines:
            joined = lines[-1] + (" " if part.isascii() else "") + part
            if measure(joined) <= width:
                lines[-1] = joined
                continue
        lines += broken(part, width, measure)
    return lines


def broken(part: str, width: float, measure) -> list[str]:
    """One part too wide for a line, broken at its spaces (English) or between characters, never
    before a punctuation mark (Chinese)."""
    spaced = " " in part
    lines, line = [], ""
    for token in part.split(" ") if spaced else part:
        candidate = f"{line} {token}" if spaced and line else line + token
        if line and measure(candidate) > width and (spaced or token not in "，。：；、）"):
            lines.append(line)
            line = token
        else:
            line = candidate
    return lines + [line]


def overlaps(fig, flow: Flow) -> list[str]:
    """What overlaps in ``fig``, drawn by :func:`draw_flow` from ``flow``: an empty list when nothing does.

    Checks, in the figure's own pixels, that no two texts (edge labels, title, legend) overlap,
    that none covers a box, that no edge passes under a text other than its own label, and that
    no edge crosses a box other than the two it joins; and that nothing sticks out of the figure.
    """
    fig.draw_without_rendering()
    ax = fig.axes[0]
    found = {artist.get_gid(): artist for artist in ax.texts if artist.get_gid()}
    boxes = {gid: a.get_bbox_patch().get_window_extent() for gid, a in found.items() if gid.startswith("node-")}
    labels = {gid: a.get_bbox_patch().get_window_extent() for gid, a in found.items() if gid.startswith("edge-label-")}
    labels.update({gid: found[gid].get_window_extent() for gid in ("title", "legend")})  # they must not touch either
    edges = {}
    for gid, arrow in found.items():
        if gid.startswith("edge-") and not gid.startswith("edge-label-"):
            edges[gid] = (ax.transData.transform(arrow.xy), ax.transData.transform(arrow.xyann))

    def meet(one, other, gap=2.0) -> bool:  # closer than ``gap`` pixels counts as touching
        return (
            one.x0 < other.x1 + gap and other.x0 < one.x1 + gap and one.y0 < other.y1 + gap and other.y0 < one.y1 + gap
        )

    def crosses(segment, box, margin=-1.0) -> bool:
        (x0, y0), (x1, y1) = segment
        for k in range(1, 400):
            t = k / 400
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            if box.x0 + margin < x < box.x1 - margin and box.y0 + margin < y < box.y1 - margin:
                return True
        return False

    problems = []
    page = fig.bbox
    problems += [
        f"{gid} is cut off"
        for gid, box in {**labels, **boxes}.items()
        if box.x0 < page.x0 or box.x1 > page.x1 or box.y0 < page.y0 or box.y1 > page.y1
    ]
    names = sorted(labels)
    for i, one in enumerate(names):
        problems += [f"{one} overlaps {other}" for other in names[i + 1 :] if meet(labels[one], labels[other])]
        problems += [f"{one} covers {box}" for box in boxes if meet(labels[one], boxes[box])]
    for gid, segment in edges.items():
        k = int(gid.removeprefix("edge-"))
        problems += [
            f"{gid} passes under {label}"
            for label in labels
            if label != f"edge-label-{k}" and crosses(segment, labels[label])
        ]
        ends = {f"node-{flow.edges[k].source}", f"node-{flow.edges[k].target}"}
        problems += [f"{gid} crosses {box}" for box in boxes if box not in ends and crosses(segment, boxes[box])]
    return problems
