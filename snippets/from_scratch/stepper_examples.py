"""The examples the course's pages step through with the engine (hooks/stepper.py puts each one,
with engine.py, into the stepper of its page; tests/test_stepper.py runs them in CPython and in torch).

Each region is the code of one stepper: it uses the engine's Value and names its result `out`.
"""

# --8<-- [start:basics]
# y = 2 * torch.dot(x, x) for x = [0, 1, 2, 3], one number at a time
x0, x1, x2, x3 = Value(0.0), Value(1.0), Value(2.0), Value(3.0)
s = x0 * x0 + x1 * x1 + x2 * x2 + x3 * x3
y = 2 * s
out = y
# --8<-- [end:basics]

# --8<-- [start:graph-and-leaves]
a = Value(3.0)
b = Value(2.0)
c = 4.0  # a constant: a plain number, not a node
u = a * b
s = u + b
z = s * c
out = z
# --8<-- [end:graph-and-leaves]

# --8<-- [start:from-scratch]
x = Value(2.0)
f = (x**2).log() * x.sin() + 1 / x
out = f
# --8<-- [end:from-scratch]
