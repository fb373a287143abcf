"""The engine of engine.py, changed to make PyTorch's two choices about backward.

1. Gradients travel as messages that live only during one backward call; only leaves
   (Values made by the user, not by an operation) keep a ``.grad``, and it accumulates.
2. After backward, every node forgets the local derivatives it saved, unless
   ``retain_graph=True``; walking the graph again then raises, as PyTorch does.

docs/*/from-scratch.md shows the region below right after engine.py's regions.
"""

from engine import Value, method, topological_order  # noqa: F401 - `method` is used on the page


# --8<-- [start:leaf-engine]
class LeafGradValue(Value):
    """A Value whose backward writes .grad only on leaves, and frees what it saved."""

    def __init__(self, data, parents=(), local_grads=(), op=""):
        super().__init__(data, parents, local_grads, op)
        self.grad = None  # no gradient until a backward reaches this leaf

    def backward(self, retain_graph=False):
        order = topological_order(self)
        if any(node._local_grads is None for node in order):
            raise RuntimeError(
                "Trying to backward through the graph a second time: the first backward freed "
                "the local derivatives saved by the nodes. Pass retain_graph=True to keep them."
            )
        incoming = {self: 1.0}  # gradients in flight, for this call only
        for node in reversed(order):
            grad = incoming.pop(node, 0.0)
            if node.is_leaf:
                node.grad = grad if node.grad is None else node.grad + grad
                continue
            for parent, local in zip(node._parents, node._local_grads):
                incoming[parent] = incoming.get(parent, 0.0) + local * grad
            if not retain_graph:
                node._local_grads = None  # free what this node saved
# --8<-- [end:leaf-engine]
