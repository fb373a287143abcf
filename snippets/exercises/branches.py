"""Control flow that autograd differentiates: a data-dependent loop and a branch at one point.

Shown on docs/*/exercises.md (regions ``halving`` and ``one-point``), used by tests/test_exercises.py.
The regions have no comments, since both languages show them; the pages' prose explains them:
how many halvings run depends on the value of x, and 5 * x - 4 has the value of x**2 at x = 1.
"""


# --8<-- [start:halving]
def halve(x):
    while x.abs() >= 1:
        x = x / 2
    return x
# --8<-- [end:halving]


# --8<-- [start:one-point]
def g(x):
    if x == 1:
        return 5 * x - 4
    return x**2
# --8<-- [end:one-point]
