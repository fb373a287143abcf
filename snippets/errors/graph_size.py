"""How big is the graph behind a tensor? Used by docs/errors.*.md to show a graph that keeps growing."""

# --8<-- [start:count_nodes]
def count_nodes(tensor):
    """Number of backward nodes reachable from tensor.grad_fn (0 for a tensor outside any graph)."""
    seen, todo = set(), [tensor.grad_fn]
    while todo:
        node = todo.pop()
        if node is not None and node not in seen:
            seen.add(node)
            todo.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)
# --8<-- [end:count_nodes]
