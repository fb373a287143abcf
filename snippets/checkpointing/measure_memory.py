"""Measure what activation checkpointing saves and what it costs on this machine; write the CSV.

Run on purpose, never during the build: ``python snippets/checkpointing/measure_memory.py`` (a few
minutes; ``make measure`` should run it too). It writes ``checkpoint_memory.csv`` beside this file;
fig_checkpoint_memory.py only reads it. The comment lines at the top of the CSV record the machine,
the torch version and the date.

The model is a chain of N parameter-free layers x -> x * sigmoid(x) on a vector of 2**18 float32
numbers (1 MiB per tensor), run with four strategies (STRATEGIES below). Each (strategy, depth) is
measured in fresh Python processes, so that memory one run leaves to the allocator cannot hide the
next run's. The memory process, after a warm-up on a tiny vector (checkpoint imports modules lazily):

* ``rss_increase_bytes``: how far the process's peak resident set size (``ru_maxrss``) rose above
  its resident size just before one forward + backward pass: what the operating system gave.
  glibc's mmap threshold is fixed (see ``measure_all``) so that freed tensors go back to the system;
* ``saved_bytes``: what the graph holds between forward and backward, counted with saved-tensor
  hooks (each storage once, see ``saved_bytes``); it does not depend on the machine;
* ``peak_bytes``: the peak of the bytes held by torch's CPU allocator during forward + backward,
  above what it held before, from the allocation and free events of ``torch.profiler``
  (``profile_memory=True``); it does not depend on timing, only on what was allocated and freed when.

The time process, one per depth, with the default allocator settings: ``median_seconds``, the
median time of forward + backward on one thread, the four strategies taking turns (``repeats``
rounds) after one warm-up run each.
"""

from __future__ import annotations

import csv
import datetime
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

HERE = Path(__file__).resolve().parent
ELEMENTS = 2**18  # float32: 1 MiB per tensor
DEPTHS = [4, 9, 16, 25, 36, 49, 64]  # perfect squares, so sqrt(N) segments have N/sqrt(N) layers each
COLUMNS = [
    "strategy",
    "depth",
    "segments",
    "saved_bytes",
    "peak_bytes",
    "rss_increase_bytes",
    "median_seconds",
    "repeats",
]


# The regions below are shown on both languages' pages, so they carry no comments; the pages' prose
# explains them. silu is written out instead of torch.nn.functional.silu, to see what each operation
# saves.
# --8<-- [start:chain]
def silu(x):
    return x * torch.sigmoid(x)


def chain(x, depth):
    for _ in range(depth):
        x = silu(x)
    return x
# --8<-- [end:chain]


# saved_bytes(compute) runs compute() and returns its output, how many tensors autograd saved, and
# their bytes. A storage saved several times (x * sigmoid(x) saves sigmoid(x) twice) is counted once;
# `packed` keeps every saved tensor alive while counting, so no storage address is reused.
# --8<-- [start:saved-bytes]
def saved_bytes(compute):
    packed, by_storage = [], {}

    def pack(t):
        packed.append(t)
        address = t.untyped_storage().data_ptr()
        by_storage[address] = max(by_storage.get(address, 0), t.numel() * t.element_size())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = compute()
    return out, len(packed), sum(by_storage.values())
# --8<-- [end:saved-bytes]


# The four strategies: one_checkpoint puts the whole chain in one checkpoint (only x is kept);
# sqrt_segments cuts it into sqrt(N) segments, and checkpoint_sequential does not checkpoint the last one.
# --8<-- [start:strategies]
def no_checkpoint(x, depth):
    return chain(x, depth)


def one_checkpoint(x, depth):
    return checkpoint(chain, x, depth, use_reentrant=False)


def checkpoint_each_layer(x, depth):
    for _ in range(depth):
        x = checkpoint(silu, x, use_reentrant=False)
    return x


def sqrt_segments(x, depth):
    return checkpoint_sequential([silu] * depth, math.isqrt(depth), x, use_reentrant=False)
# --8<-- [end:strategies]


STRATEGIES = {
    "none": no_checkpoint,
    "whole": one_checkpoint,
    "each_layer": checkpoint_each_layer,
    "sqrt_segments": sqrt_segments,
}


def segments(strategy: str, depth: int) -> int:
    """How many pieces the chain is cut into (0: not checkpointed)."""
    return {"none": 0, "whole": 1, "each_layer": depth, "sqrt_segments": math.isqrt(depth)}[strategy]


# --8<-- [start:peak-bytes]
def peak_bytes(run):
    """The peak of the bytes torch's CPU allocator holds while run() runs, above what it held before."""
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        run()
    # The profiler's raw events: one "[memory]" event per allocation (+bytes) and per free (-bytes).
    events = sorted(
        (event.start_ns(), event.nbytes())
        for event in prof.profiler.kineto_results.events()
        if event.name() == "[memory]"
    )
    held = peak = 0
    for _, nbytes in events:
        held += nbytes
        peak = max(peak, held)
    return peak
# --8<-- [end:peak-bytes]


def forward_backward(strategy, x, depth):
    STRATEGIES[strategy](x, depth).sum().backward()
    x.grad = None


def resident_bytes() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def peak_resident_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB, macOS bytes


def median_seconds_interleaved(runs: dict, rounds=15) -> dict:
    """The median duration of each of ``runs`` (name -> function), after one warm-up call each.

    The runs take turns, round after round, so that a slow moment of a busy machine slows them
    all alike instead of one of them.
    """
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def measure_memory(strategy: str, depth: int) -> dict:
    """The memory columns of one (strategy, depth); meant to run in a process of its own."""
    torch.set_num_threads(1)
    forward_backward(strategy, torch.randn(16, requires_grad=True), depth)  # loads what checkpoint imports
    x = torch.randn(ELEMENTS, generator=torch.Generator().manual_seed(0), requires_grad=True)
    gc.collect()
    before = resident_bytes()
    forward_backward(strategy, x, depth)  # first, while the peak resident size is still the warm-up's
    rss_increase = max(0, peak_resident_bytes() - before)
    out, _, saved = saved_bytes(lambda: STRATEGIES[strategy](x, depth))
    out.sum().backward()
    x.grad = None
    peak = peak_bytes(lambda: forward_backward(strategy, x, depth))
    return {"saved_bytes": saved, "peak_bytes": peak, "rss_increase_bytes": rss_increase}


def measure_time(depth: int, rounds: int = 15) -> dict:
    """The time columns of every strategy at one depth; meant to run in a process of its own."""
    torch.set_num_threads(1)
    x = torch.randn(ELEMENTS, generator=torch.Generator().manual_seed(0), requires_grad=True)
    runs = {strategy: (lambda s=strategy: forward_backward(s, x, depth)) for strategy in STRATEGIES}
    medians = median_seconds_interleaved(runs, rounds)
    return {strategy: {"median_seconds": f"{seconds:.4g}", "repeats": rounds} for strategy, seconds in medians.items()}


def in_new_process(*arguments: str, **environment: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, *arguments],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **environment},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def machine_lines(title):
    return [
        f"# {title}",
        "# written by snippets/checkpointing/measure_memory.py; bytes are exact counts, times medians in seconds",
        f"# machine: {platform.machine()}",
        f"# processors: {os.cpu_count()}",
        "# torch threads: 1",
        f"# torch: {torch.__version__}",
        f"# python: {platform.python_version()}",
        f"# dtype: {torch.get_default_dtype()}",
        f"# elements per tensor: {ELEMENTS}",
        f"# date: {datetime.date.today().isoformat()}",
    ]


def measure_all() -> list[dict]:
    rows = []
    for depth in DEPTHS:
        times = in_new_process("--time", str(depth))
        for strategy in STRATEGIES:
            row = {"strategy": strategy, "depth": depth, "segments": segments(strategy, depth)}
            # glibc adapts its mmap threshold: a freed 1 MiB block would then stay in the heap and the
            # resident size would show the allocator's reserve too. Fixed at 128 KiB, every tensor
            # of this chain is mapped on allocation and returned on free. Timed with the defaults.
            row.update(in_new_process("--memory", strategy, str(depth), MALLOC_MMAP_THRESHOLD_="131072"))
            row.update(times[strategy])
            rows.append(row)
            print(
                f"{strategy:>14} N={depth:<3} peak {row['peak_bytes'] / 2**20:6.1f} MiB, "
                f"{float(row['median_seconds']) * 1e3:6.1f} ms",
                file=sys.stderr,
            )
    return rows


def write_csv(path: Path, rows: list[dict]) -> None:
    title = "checkpoint_memory.csv: memory and time of forward + backward, with and without checkpointing"
    with path.open("w", newline="", encoding="utf-8") as file:
        file.write("\n".join(machine_lines(title)) + "\n")
        writer = csv.DictWriter(file, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path.relative_to(HERE.parent.parent)} ({len(rows)} rows)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        print(json.dumps(measure_memory(sys.argv[2], int(sys.argv[3]))))
    elif sys.argv[1:2] == ["--time"]:
        print(json.dumps(measure_time(int(sys.argv[2]))))
    else:
        started = time.perf_counter()
        write_csv(HERE / "checkpoint_memory.csv", measure_all())
        print(f"measured in {time.perf_counter() - started:.0f} s", file=sys.stderr)
