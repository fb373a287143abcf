"""How big is the graph behind a tensor? Count the nodes a backward sweep would visit."""

import torch


# --8<-- [start:count]
def nodes_behind(output: torch.Tensor) -> set:
    """Every node reachable from ``output.grad_fn``: the work list of a backward sweep."""
    seen = set()
    todo = [output.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:  # None: an input that needs no gradient
            continue
        seen.add(node)
        todo.extend(child for child, _ in node.next_functions)
    return seen


def count_nodes(output: torch.Tensor) -> int:
    return len(nodes_behind(output))
# --8<-- [end:count]
