"""Control flow that autograd differentiates: a data-dependent loop and a branch at one point."""


# --8<-- [start:halving]
def halve(x):
    while x.abs() >= 1:  # how many halvings run depends on the value of x
        x = x / 2
    return x
# --8<-- [end:halving]


# --8<-- [start:one-point]
def g(x):
    if x == 1:
        return 5 * x - 4  # the same value as x**2 at x = 1
    return x**2
# --8<-- [end:one-point]
