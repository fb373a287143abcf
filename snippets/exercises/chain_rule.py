"""f(x) = log(x**2) * sin(x) + 1/x, one named variable per step, and its derivative three ways."""

import torch
import torch.autograd.forward_ad as fwAD


# --8<-- [start:function]
def intermediates(x):
    """Every named variable of f, in the order a forward pass computes them."""
    a = x**2
    b = torch.log(a)
    c = torch.sin(x)
    d = b * c
    e = torch.reciprocal(x)
    f = d + e
    return {"x": x, "a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def f(x):
    return intermediates(x)["f"]
# --8<-- [end:function]


# --8<-- [start:formula]
def df_dx(x):
    """The chain rule worked out by hand (see the derivation above)."""
    return 2 / x * torch.sin(x) + torch.log(x**2) * torch.cos(x) - 1 / x**2
# --8<-- [end:formula]


# --8<-- [start:forward]
def tangents(x0: float) -> dict:
    """Forward mode: carry d(variable)/dx along with every value, from x towards f."""
    x = torch.tensor(x0, dtype=torch.float64)
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, torch.ones_like(x))  # the seed: dx/dx = 1
        found = intermediates(dual)
        return {
            name: (fwAD.unpack_dual(v).primal.item(), fwAD.unpack_dual(v).tangent.item()) for name, v in found.items()
        }
# --8<-- [end:forward]


# --8<-- [start:reverse]
def adjoints(x0: float) -> dict:
    """Reverse mode: df/d(variable) for every variable, from f back towards x."""
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    found = intermediates(x)
    for name, v in found.items():
        if name != "x":
            v.retain_grad()  # keep the .grad of a non-leaf, which autograd would discard
    found["f"].backward()  # the seed: df/df = 1
    return {name: (v.item(), v.grad.item()) for name, v in found.items()}
# --8<-- [end:reverse]
