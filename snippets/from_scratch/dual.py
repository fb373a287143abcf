"""Dual numbers a + b·ε with ε² = 0: forward-mode differentiation on Python floats.

docs/*/forward-mode.md shows the region below; tests/test_from_scratch.py compares it with torch.
"""

# --8<-- [start:dual]
import math


class Dual:
    """value + tangent·ε, where ε is a made-up number with ε² = 0 (and ε ≠ 0)."""

    def __init__(self, value, tangent=0.0):
        self.value = float(value)
        self.tangent = float(tangent)

    def __repr__(self):
        return f"Dual({self.value!r}, {self.tangent!r})"

    # (a + bε) ± (c + dε) = (a ± c) + (b ± d)ε
    def __add__(self, other):
        other = as_dual(other)
        return Dual(self.value + other.value, self.tangent + other.tangent)

    def __sub__(self, other):
        other = as_dual(other)
        return Dual(self.value - other.value, self.tangent - other.tangent)

    # (a + bε)(c + dε) = ac + (ad + bc)ε + bd·ε², and the last term vanishes
    def __mul__(self, other):
        other = as_dual(other)
        return Dual(self.value * other.value, self.value * other.tangent + self.tangent * other.value)

    # (a + bε) / (c + dε) = a/c + (bc - ad)/c² · ε   (multiply both by c - dε)
    def __truediv__(self, other):
        other = as_dual(other)
        a, b, c, d = self.value, self.tangent, other.value, other.tangent
        return Dual(a / c, (b * c - a * d) / c**2)

    def __radd__(self, other):
        return as_dual(other) + self

    def __rsub__(self, other):
        return as_dual(other) - self

    def __rmul__(self, other):
        return as_dual(other) * self

    def __rtruediv__(self, other):
        return as_dual(other) / self

    def __neg__(self):
        return Dual(-self.value, -self.tangent)

    # Every smooth g: g(a + bε) = g(a) + g'(a)·b·ε  (Taylor's series stops after ε)
    def __pow__(self, n):
        return Dual(self.value**n, n * self.value ** (n - 1) * self.tangent)

    def exp(self):
        return Dual(math.exp(self.value), math.exp(self.value) * self.tangent)

    def log(self):
        return Dual(math.log(self.value), self.tangent / self.value)

    def sin(self):
        return Dual(math.sin(self.value), math.cos(self.value) * self.tangent)

    def tanh(self):
        t = math.tanh(self.value)
        return Dual(t, (1.0 - t * t) * self.tangent)

    def relu(self):
        return Dual(max(self.value, 0.0), self.tangent if self.value > 0 else 0.0)


def as_dual(x):
    """A plain number c is the dual number c + 0ε: a constant has no tangent."""
    return x if isinstance(x, Dual) else Dual(x, 0.0)
# --8<-- [end:dual]
