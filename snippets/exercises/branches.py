"""Control flow that autograd differentiates: a data-dependent loop and a function with a kink."""

import torch


# --8<-- [start:halving]
def halve_until_small(x):
    """Halve x until |x| < 1. How many halvings run depends on the value of x."""
    steps = 0
    while x.abs() >= 1:
        x = x / 2
        steps += 1
    return x, steps
# --8<-- [end:halving]


# --8<-- [start:kink]
def kink(x):
    """Continuous at x = 1, but the slope jumps from 2 (left) to 3 (right)."""
    if x < 1:
        return x**2
    return 3 * x - 2
# --8<-- [end:kink]


# --8<-- [start:probe]
def autograd_slope(fn, x0):
    """What autograd says at x0: the derivative of the branch that ran."""
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    out = fn(x)
    y = out[0] if isinstance(out, tuple) else out
    y.backward()
    return x.grad.item()


def value(fn, x0):
    out = fn(torch.tensor(x0, dtype=torch.float64))
    return (out[0] if isinstance(out, tuple) else out).item()


def one_sided_slopes(fn, x0, h=1e-6):
    """Finite differences from the left and from the right, in float64."""
    left = (value(fn, x0) - value(fn, x0 - h)) / h
    right = (value(fn, x0 + h) - value(fn, x0)) / h
    return left, right
# --8<-- [end:probe]
