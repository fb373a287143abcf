"""Small probes into autograd shared by the chapter tests."""

import torch


def count_saved_tensors(compute) -> int:
    """How many tensors autograd packs for backward while ``compute()`` runs."""
    packed = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: packed.append(t) or t, lambda t: t):
        compute()
    return len(packed)
