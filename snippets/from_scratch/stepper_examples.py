"""The examples the course's pages step through with the engine (course/steps/stepper.py shows each one in
the stepper of its page, which runs it after engine.py; tests/test_stepper.py runs them in CPython
and in torch).

Each region is the code of one stepper: it uses the engine's Value and names its result `out`. The
regions carry no comments: the same code is shown on the pages of every language (the caption, in
the page's language, says what it is).
"""

# --8<-- [start:basics]
x0, x1, x2, x3 = Value(0.0), Value(1.0), Value(2.0), Value(3.0)
s = x0 * x0 + x1 * x1 + x2 * x2 + x3 * x3
y = 2 * s
out = y
# --8<-- [end:basics]

# --8<-- [start:graph-and-leaves]
a = Value(3.0)
b = Value(2.0)
c = 4.0
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
