"""A small reverse-mode automatic differentiation engine on Python floats.

docs/*/from-scratch.md builds it one named region at a time; every region is shown on the page
and runs there, in this order, but the last: backward_steps, backward() recording each step for
the stepper of the pages (tests/test_stepper.py). tests/test_from_scratch.py compares it with torch.
"""

# --8<-- [start:value]
import math


class Value:
    """A Python float that remembers how it was computed."""

    def __init__(self, data, parents=(), local_grads=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self._parents = tuple(parents)  # the Values this one was computed from
        self._local_grads = tuple(local_grads)  # d self / d parent, one number per parent
        self.op = op  # a short label, used only for printing and drawing

    @property
    def is_leaf(self):
        return not self._parents

    def __repr__(self):
        return f"{type(self).__name__}(data={self.data!r}, grad={self.grad!r})"
# --8<-- [end:value]


# --8<-- [start:method]
def method(cls):
    """Attach the decorated function to ``cls``, so the class can grow one step at a time."""

    def attach(function):
        setattr(cls, function.__name__, function)
        return function

    return attach


def result(like, data, op, *edges):
    """A new Value computed by ``op``; each edge is (parent Value, local derivative)."""
    return type(like)(data, [p for p, _ in edges], [d for _, d in edges], op)
# --8<-- [end:method]


# --8<-- [start:add-mul]
@method(Value)
def __add__(self, other):
    if isinstance(other, Value):
        return result(self, self.data + other.data, "+", (self, 1.0), (other, 1.0))
    return result(self, self.data + other, f"+ {other:g}", (self, 1.0))


@method(Value)
def __mul__(self, other):
    if isinstance(other, Value):
        # d(ab)/da = b and d(ab)/db = a: each factor's local derivative is the other factor.
        return result(self, self.data * other.data, "*", (self, other.data), (other, self.data))
    return result(self, self.data * other, f"* {other:g}", (self, float(other)))


# A Python number on the left (2 * x, 1 + x): Python then asks the Value on the right.
@method(Value)
def __radd__(self, other):
    return result(self, other + self.data, f"{other:g} +", (self, 1.0))


@method(Value)
def __rmul__(self, other):
    return result(self, other * self.data, f"{other:g} *", (self, float(other)))
# --8<-- [end:add-mul]


# --8<-- [start:more-arithmetic]
@method(Value)
def __sub__(self, other):
    if isinstance(other, Value):
        return result(self, self.data - other.data, "-", (self, 1.0), (other, -1.0))
    return result(self, self.data - other, f"- {other:g}", (self, 1.0))


@method(Value)
def __truediv__(self, other):
    if isinstance(other, Value):
        a, b = self.data, other.data
        return result(self, a / b, "/", (self, 1.0 / b), (other, -a / b**2))
    return result(self, self.data / other, f"/ {other:g}", (self, 1.0 / other))


@method(Value)
def __rsub__(self, other):
    return result(self, other - self.data, f"{other:g} -", (self, -1.0))


@method(Value)
def __rtruediv__(self, other):
    return result(self, other / self.data, f"{other:g} /", (self, -other / self.data**2))


@method(Value)
def __neg__(self):
    return result(self, -self.data, "neg", (self, -1.0))


@method(Value)
def __pow__(self, n):
    # Only a plain number as exponent: d(a^n)/da = n a^(n-1).
    return result(self, self.data**n, f"** {n:g}", (self, n * self.data ** (n - 1)))
# --8<-- [end:more-arithmetic]


# --8<-- [start:functions]
@method(Value)
def exp(self):
    e = math.exp(self.data)
    return result(self, e, "exp", (self, e))  # the derivative of exp is exp itself


@method(Value)
def log(self):
    return result(self, math.log(self.data), "log", (self, 1.0 / self.data))


@method(Value)
def sin(self):
    return result(self, math.sin(self.data), "sin", (self, math.cos(self.data)))


@method(Value)
def tanh(self):
    t = math.tanh(self.data)
    return result(self, t, "tanh", (self, 1.0 - t * t))


@method(Value)
def relu(self):
    # At exactly 0 we take the slope 0, as torch.relu does.
    return result(self, max(self.data, 0.0), "relu", (self, 1.0 if self.data > 0 else 0.0))
# --8<-- [end:functions]


# --8<-- [start:topological-order]
def topological_order(output):
    """Every Value that ``output`` depends on, each one after all the Values it was computed from.

    A depth-first walk with an explicit stack (a recursive walk would hit Python's recursion
    limit on a long chain, such as a loop that doubles a number a thousand times).
    """
    order, seen = [], set()
    stack = [(output, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)  # all of its parents are already in `order`
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in node._parents)
    return order
# --8<-- [end:topological-order]


# --8<-- [start:backward]
@method(Value)
def backward(self):
    self.grad = 1.0  # d self / d self
    for node in reversed(topological_order(self)):
        # Every Value that used `node` came later in the order, so node.grad is complete here.
        for parent, local in zip(node._parents, node._local_grads):
            parent.grad += local * node.grad  # the chain rule, summed over every use
# --8<-- [end:backward]


# --8<-- [start:backward-steps]
def backward_steps(output):
    """Do what ``output.backward()`` does, the same loop in the same order, and return each of its
    additions: the stepper of the course's pages shows them one at a time (docs/*/playground.md).

    One dict per edge, as backward() walks them: the node, its gradient (the upstream gradient),
    the parent, the local derivative, their product and the parent's grad after adding it.
    """
    output.grad = 1.0
    steps = []
    for node in reversed(topological_order(output)):
        for parent, local in zip(node._parents, node._local_grads):
            contribution = local * node.grad
            parent.grad += contribution  # as backward(): parent.grad += local * node.grad
            steps.append(
                {
                    "node": node,
                    "upstream": node.grad,
                    "parent": parent,
                    "local": local,
                    "contribution": contribution,
                    "grad": parent.grad,
                }
            )
    return steps
# --8<-- [end:backward-steps]
