"""Figure: peak memory and time of forward + backward against depth, with and without checkpointing.

Drawn from checkpoint_memory.csv (see measure_memory.py). Left: the peak of torch's CPU allocator
(lines) and the rise of the process's resident size (crosses), in MiB. Right: the time of each
strategy divided by the time without checkpointing at the same depth. No measuring happens here:
the script only reads the committed data. The labels are words, so the figure is drawn once per
language; the pages give the machine the data were measured on in a caption line.
"""

from checkpoint_data import STRATEGIES, column, read_measurements
from figure_style import LANGUAGES, save_figure

MIB = 2**20
MARKERS = {"none": "o", "whole": "s", "each_layer": "^", "sqrt_segments": "D"}
WORDS = {
    "en": {
        "none": "no checkpoint",
        "whole": "checkpoint(whole chain)",
        "each_layer": "checkpoint(each layer)",
        "sqrt_segments": "checkpoint_sequential, sqrt(N) segments",
        "rss": "process RSS increase",
        "peak": "peak memory of forward + backward (MiB)",
        "chain": "N layers x -> x * sigmoid(x), {mib:g} MiB per tensor",
        "ratio": "time / time without checkpoint",
        "time": "forward + backward, median time",
        "depth": "depth N (layers)",
    },
    "zh": {
        "none": "不用检查点",
        "whole": "checkpoint（整条链）",
        "each_layer": "checkpoint（每层一个）",
        "sqrt_segments": "checkpoint_sequential，√N 段",
        "rss": "进程 RSS 增量",
        "peak": "前向 + 反向的峰值内存（MiB）",
        "chain": "N 层 x -> x * sigmoid(x)，每个张量 {mib:g} MiB",
        "ratio": "时间 / 不用检查点的时间",
        "time": "前向 + 反向，时间中位数",
        "depth": "深度 N（层数）",
    },
}


def draw(theme, lang):
    import matplotlib.pyplot as plt

    words = WORDS[lang]
    about, rows = read_measurements()
    mib = int(about["elements per tensor"]) * 4 / MIB
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6))
    _, base = column(rows, "none", "median_seconds")
    for strategy, colour in zip(STRATEGIES, theme["lines"]):
        label, marker = words[strategy], MARKERS[strategy]
        depths, peak = column(rows, strategy, "peak_bytes")
        _, rss = column(rows, strategy, "rss_increase_bytes")
        # "whole" peaks a few KB above "none" (the saved RNG state), which is invisible at this
        # scale: dashed over a wide "none", so that both stay visible.
        style = "--" if strategy == "whole" else "-"
        width = 4 if strategy == "none" else 1.5
        left.plot(depths, [b / MIB for b in peak], style, color=colour, marker=marker, label=label, linewidth=width)
        left.plot(depths, [b / MIB for b in rss], "x", color=colour, markersize=9)
        _, seconds = column(rows, strategy, "median_seconds")
        right.plot(depths, [s / b for s, b in zip(seconds, base)], style, color=colour, marker=marker, label=label)
    left.plot([], [], "x", color=theme["text"], label=words["rss"])
    left.set_ylabel(words["peak"])
    left.set_title(words["chain"].format(mib=mib))
    left.legend(fontsize=9, loc="upper left")
    right.axhline(1.0, color=theme["grid"], linewidth=1)
    right.set_ylim(0, max(2.5, right.get_ylim()[1]))
    right.set_ylabel(words["ratio"])
    right.set_title(words["time"])
    right.legend(fontsize=9, loc="lower right")
    for ax in (left, right):
        ax.set_xlabel(words["depth"])
        ax.grid(True, which="major")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    save_figure("checkpoint_memory", draw, languages=LANGUAGES)
