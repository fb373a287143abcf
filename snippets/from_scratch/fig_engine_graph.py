"""Figure: the graph our engine records for f(x) = log(x**2) * sin(x) + 1/x at x = 2.

Drawn from the engine's own nodes (``_parents``, ``_local_grads``, ``data``, ``grad``) after one
backward: every box shows a node's value v and its gradient g = df/d(node); every arrow points
from an input to the node computed from it and is labelled with the local derivative. The title's
words are in the page's language: one figure per language (engine_graph.<lang>.<theme>.svg).
"""

from engine import Value, topological_order
from figure_style import LANGUAGES, save_figure

FUNCTION = "f(x) = log(x**2) * sin(x) + 1/x"
# Plain text, no $...$: mathtext's fonts have no Chinese glyphs.
TITLE = {
    "zh": FUNCTION + "，x = 2：v = 节点的值，g = df/dv，箭头上的数 = 局部导数",
    "en": FUNCTION + "  at x = 2:  v = value,  g = df/dv,  arrow label = local derivative",
}


def recorded_nodes():
    """The nodes of f's graph in topological order, after f.backward(); x is the first one."""
    x = Value(2.0)
    f = (x**2).log() * x.sin() + 1 / x
    f.backward()
    return topological_order(f), x


def layout(order):
    """Columns by longest distance from the leaves; in a column, each node near its inputs' mean."""
    column, row = {}, {}
    for node in order:
        column[node] = 1 + max((column[p] for p in node._parents), default=-1)
    for c in range(max(column.values()) + 1):
        nodes = [n for n in order if column[n] == c]
        wanted = [sum(row[p] for p in n._parents) / len(n._parents) if n._parents else 0.0 for n in nodes]
        # Spread nodes that want the same place one unit apart, keeping their order.
        mean = sum(wanted) / len(wanted)
        spread = [mean + (len(nodes) - 1) / 2 - k for k in range(len(nodes))]
        for n, w, s in zip(nodes, wanted, spread):
            row[n] = w if len(set(wanted)) == len(wanted) else s
    return {n: (2.2 * column[n], 1.5 * row[n]) for n in order}


def draw(theme, lang):
    import matplotlib.pyplot as plt

    order, x = recorded_nodes()
    xy = layout(order)
    fig, ax = plt.subplots(figsize=(10.5, 4.6))
    ax.set_axis_off()
    box = {"boxstyle": "round,pad=0.35", "facecolor": theme["node"], "edgecolor": theme["lines"][0]}
    for node in order:
        for parent, local in zip(node._parents, node._local_grads):
            (x0, y0), (x1, y1) = xy[parent], xy[node]
            ax.annotate(
                "",
                xy=(x1 - 0.55, y1),
                xytext=(x0 + 0.55, y0),
                arrowprops={"arrowstyle": "-|>", "color": theme["lines"][1], "shrinkA": 4, "shrinkB": 4},
            )
            ax.text(
                (x0 + x1) / 2,
                (y0 + y1) / 2 + 0.12,
                f"{local:.3g}",
                ha="center",
                va="bottom",
                fontsize=9,
                color=theme["lines"][1],
            )
    for node in order:
        name = "x" if node is x else node.op
        label = f"{name}\nv = {node.data:.4g}\ng = {node.grad:.4g}"
        edge = theme["text"] if node is order[-1] else theme["lines"][0]
        ax.text(*xy[node], label, ha="center", va="center", fontsize=10, bbox={**box, "edgecolor": edge})
    xs = [p[0] for p in xy.values()]
    ys = [p[1] for p in xy.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    ax.set_title(TITLE[lang], fontsize=11)
    return fig


if __name__ == "__main__":
    save_figure("engine_graph", draw, languages=LANGUAGES)
