"""Figure: peak memory and time of forward + backward against depth, with and without checkpointing.

Drawn from checkpoint_memory.csv (see measure_memory.py). Left: the peak of torch's CPU allocator
(lines) and the rise of the process's resident size (crosses), in MiB. Right: the time of each
strategy divided by the time without checkpointing at the same depth. No measuring happens here:
the script only reads the committed data.
"""

from checkpoint_data import STRATEGIES, column, read_measurements
from figure_style import save_figure
from measurements import machine_note

MIB = 2**20
LABELS = {
    "none": ("no checkpoint", "o"),
    "whole": ("checkpoint(whole chain)", "s"),
    "each_layer": ("checkpoint(each layer)", "^"),
    "sqrt_segments": ("checkpoint_sequential, sqrt(N) segments", "D"),
}


def draw(theme):
    import matplotlib.pyplot as plt

    about, rows = read_measurements()
    mib = int(about["elements per tensor"]) * 4 / MIB
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6))
    _, base = column(rows, "none", "median_seconds")
    for strategy, colour in zip(STRATEGIES, theme["lines"]):
        label, marker = LABELS[strategy]
        depths, peak = column(rows, strategy, "peak_bytes")
        _, rss = column(rows, strategy, "rss_increase_bytes")
        # "whole" has the same peak as "none": dashed over a wide "none", so that both stay visible.
        style = "--" if strategy == "whole" else "-"
        width = 4 if strategy == "none" else 1.5
        left.plot(depths, [b / MIB for b in peak], style, color=colour, marker=marker, label=label, linewidth=width)
        left.plot(depths, [b / MIB for b in rss], "x", color=colour, markersize=9)
        _, seconds = column(rows, strategy, "median_seconds")
        right.plot(depths, [s / b for s, b in zip(seconds, base)], style, color=colour, marker=marker, label=label)
    left.plot([], [], "x", color=theme["text"], label="process RSS increase")
    left.set_ylabel("peak memory of forward + backward (MiB)")
    left.set_title(f"N layers x -> x * sigmoid(x), {mib:g} MiB per tensor")
    left.legend(fontsize=9, loc="upper left")
    right.axhline(1.0, color=theme["grid"], linewidth=1)
    right.set_ylim(0, max(2.5, right.get_ylim()[1]))
    right.set_ylabel("time / time without checkpoint")
    right.set_title("forward + backward, median time")
    right.legend(fontsize=9, loc="lower right")
    for ax in (left, right):
        ax.set_xlabel("depth N (layers)")
        ax.grid(True, which="major")
    fig.suptitle(machine_note(about), fontsize=9, y=0.02, va="bottom")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


if __name__ == "__main__":
    save_figure("checkpoint_memory", draw)
