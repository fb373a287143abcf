"""A Jacobian column by column (forward mode) or row by row (reverse mode), and what each keeps."""

import torch
import torch.autograd.forward_ad as fwAD


# --8<-- [start:columns-rows]
def jacobian_by_columns(fn, x):
    """Forward mode: one pass per input; pass j gives column j, the product J @ e_j."""
    n = x.numel()
    columns = [torch.func.jvp(fn, (x,), (e,))[1] for e in torch.eye(n, dtype=x.dtype)]
    return torch.stack(columns, dim=1), n


def jacobian_by_rows(fn, x):
    """Reverse mode: one forward pass, then one backward sweep per output; sweep i gives row i."""
    y, pull_back = torch.func.vjp(fn, x)
    m = y.numel()
    rows = [pull_back(e)[0] for e in torch.eye(m, dtype=y.dtype)]
    return torch.stack(rows), m
# --8<-- [end:columns-rows]


# --8<-- [start:saved]
def deep_chain(x, depth):
    for _ in range(depth):
        x = torch.sin(x) * 1.5
    return x


def tensors_kept(depth, mode):
    """How many tensors the pass stores for a later backward sweep."""
    kept = []

    def pack(t):
        kept.append(t)
        return t

    x = torch.linspace(-1, 1, 1000)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        if mode == "reverse":
            deep_chain(x.requires_grad_(), depth)
        else:
            with fwAD.dual_level():
                deep_chain(fwAD.make_dual(x, torch.ones_like(x)), depth)
    return len(kept)
# --8<-- [end:saved]
