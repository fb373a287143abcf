"""D2L §2.5's control-flow function: a loop and a branch that depend on the input's values.

Shown on docs/*/control-flow.md (region ``f``), used by fig_piecewise.py and
tests/test_control_flow.py. The region has no comments: both languages show it, and the pages'
prose says what the loop and the branch depend on.
"""

import torch


# --8<-- [start:f]
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c
# --8<-- [end:f]


def slope(a: torch.Tensor) -> float:
    """The factor k with f(a) = k * a on the branch that runs for ``a`` (a nonzero tensor)."""
    doublings = 1
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
        doublings += 1
    k = 2.0**doublings
    return k if b.sum() > 0 else 100 * k
