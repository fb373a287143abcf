"""Time first and second derivatives on this machine; write the data the cost figures show.

Run on purpose, not during the build: ``make measure`` (well under a minute). It writes
``cost_derivatives.csv`` and ``cost_jacobian_shape.csv`` beside this file; the figure scripts
fig_cost_derivatives.py and fig_cost_jacobian_shape.py only read them. Every time is the median
of repeated runs after one warm-up run, on one thread (less noise from other processes). The
comment lines at the top of each CSV record the machine, the torch version and the date.
"""

from __future__ import annotations

import csv
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from torch.func import hessian, jacfwd, jacrev

HERE = Path(__file__).resolve().parent


# --8<-- [start:elementwise]
def elementwise(x):
    """f(x) = sin(x)·exp(x), element by element: f' = e^x (sin x + cos x), f'' = 2 e^x cos x."""
    return torch.sin(x) * torch.exp(x)


def first_derivative(x):
    (dx,) = torch.autograd.grad(elementwise(x).sum(), x)
    return dx


def second_derivative(x):
    # create_graph=True records the backward pass itself, so it can be differentiated again.
    (dx,) = torch.autograd.grad(elementwise(x).sum(), x, create_graph=True)
    (d2x,) = torch.autograd.grad(dx.sum(), x)
    return d2x
# --8<-- [end:elementwise]


# --8<-- [start:graph-nodes]
def graph_nodes(*outputs):
    """The nodes autograd recorded behind ``outputs``: everything reachable through grad_fn."""
    seen, stack = set(), [t.grad_fn for t in outputs]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(child for child, _ in node.next_functions)
    return seen
# --8<-- [end:graph-nodes]


# --8<-- [start:fit]
def fit(data):
    """A scalar function of n parameters w with a dense Hessian: f(w) = sum(tanh(X w)).

    X has one row per data point and n columns (the measurement uses 4096 rows), so one
    gradient costs about as much as a few products X w.
    """
    return lambda w: torch.tanh(data @ w).sum()


def hessian_vector_product(f, w, v):
    # Differentiate ∇f(w)·v once more: the result is H v, without ever forming H.
    w = w.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(w), w, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, w)
    return hv
# --8<-- [end:fit]


def vector_function(matrix):
    """f(x) = tanh(B x): its Jacobian has the shape of B (outputs × inputs)."""
    return lambda x: torch.tanh(matrix @ x)


def median_seconds(run, budget=0.2, min_repeats=5, max_repeats=100):
    """The median duration of ``run()``, after one warm-up call; stops after ``budget`` seconds."""
    run()
    times = []
    started = time.perf_counter()
    while len(times) < min_repeats or (len(times) < max_repeats and time.perf_counter() - started < budget):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def machine_lines(title):
    return [
        f"# {title}",
        "# written by snippets/cost/measure_cost.py (make measure); times are medians in seconds",
        f"# machine: {platform.machine()}",
        f"# processors: {os.cpu_count()}",
        f"# torch threads: {torch.get_num_threads()}",
        f"# torch: {torch.__version__}",
        f"# python: {platform.python_version()}",
        f"# dtype: {torch.get_default_dtype()}",
        f"# date: {datetime.date.today().isoformat()}",
    ]


def write_csv(path, title, columns, rows):
    with path.open("w", newline="", encoding="utf-8") as file:
        file.write("\n".join(machine_lines(title)) + "\n")
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    print(f"wrote {path.relative_to(HERE.parent.parent)} ({len(rows)} rows)")


def measure_derivatives():
    rows = []
    generator = torch.Generator().manual_seed(0)
    for size in [10**2, 10**3, 10**4, 10**5, 10**6]:
        x = torch.randn(size, generator=generator, requires_grad=True)
        for method, run in [
            ("value", lambda: elementwise(x)),
            ("first_derivative", lambda: first_derivative(x)),
            ("second_derivative", lambda: second_derivative(x)),
        ]:
            seconds, repeats = median_seconds(run)
            rows.append(["elementwise", size, method, f"{seconds:.4g}", "seconds", repeats])

    x = torch.randn(5, generator=generator, requires_grad=True)
    y = elementwise(x).sum()
    rows.append(["graph_nodes", 5, "without_create_graph", len(graph_nodes(y)), "nodes", 1])
    (dx,) = torch.autograd.grad(y, x, create_graph=True)
    rows.append(["graph_nodes", 5, "with_create_graph", len(graph_nodes(y, dx)), "nodes", 1])

    for n in [4, 8, 16, 32, 64, 128, 256]:
        f = fit(torch.randn(4096, n, generator=generator) / n**0.5)
        w = torch.randn(n, generator=generator)
        v = torch.randn(n, generator=generator)
        w_leaf = w.clone().requires_grad_()
        for method, run in [
            ("gradient", lambda: torch.autograd.grad(f(w_leaf), w_leaf)),
            ("hessian_vector_product", lambda: hessian_vector_product(f, w, v)),
            ("hessian_by_rows", lambda: torch.autograd.functional.hessian(f, w)),
            ("hessian_vmap", lambda: hessian(f)(w)),
        ]:
            seconds, repeats = median_seconds(run)
            rows.append(["hessian", n, method, f"{seconds:.4g}", "seconds", repeats])
    write_csv(
        HERE / "cost_derivatives.csv",
        "cost_derivatives.csv: first vs second derivatives; graph sizes with and without create_graph",
        ["experiment", "size", "method", "value", "unit", "repeats"],
        rows,
    )


def measure_jacobian_shape(few=4):
    rows = []
    generator = torch.Generator().manual_seed(1)
    for many in [16, 64, 256, 1024, 4096]:
        for shape, (outputs, inputs) in [("tall", (many, few)), ("wide", (few, many))]:
            f = vector_function(torch.randn(outputs, inputs, generator=generator) / inputs**0.5)
            x = torch.randn(inputs, generator=generator)
            for method, transform in [("jacfwd", jacfwd), ("jacrev", jacrev)]:
                jacobian = transform(f)
                seconds, repeats = median_seconds(lambda: jacobian(x))
                rows.append([shape, inputs, outputs, method, f"{seconds:.4g}", repeats])
    write_csv(
        HERE / "cost_jacobian_shape.csv",
        "cost_jacobian_shape.csv: jacfwd vs jacrev for f(x) = tanh(B x), tall (few inputs) and wide (few outputs)",
        ["shape", "inputs", "outputs", "method", "median_seconds", "repeats"],
        rows,
    )


if __name__ == "__main__":
    torch.set_num_threads(1)
    started = time.perf_counter()
    measure_derivatives()
    measure_jacobian_shape()
    print(f"measured in {time.perf_counter() - started:.0f} s", file=sys.stderr)
