"""Control flow that autograd differentiates: a data-dependent loop and a branch at one point.

docs/*/exercises.md shows the region ``halving``, which has no comments, since both languages show it;
the page's prose explains it: how many halvings run depends on the value of x. ``g`` is the function of
the branch-point misconception on docs/*/control-flow.md, which exercises.md links to: 5 * x - 4 has
the value of x**2 at x = 1. tests/test_exercises.py uses both.
"""


# --8<-- [start:halving]
def halve(x):
    while x.abs() >= 1:
        x = x / 2
    return x
# --8<-- [end:halving]


def g(x):
    if x == 1:
        return 5 * x - 4
    return x**2
