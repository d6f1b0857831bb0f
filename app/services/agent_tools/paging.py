"""Reading `first` nodes of a connection in requests small enough for Shopify's cost limit."""
from __future__ import annotations

# 100 nodes of the tools' list queries cost well under the 1,000 points one query may cost.
NODES_PER_REQUEST = 100


def first_nodes(shopify, operation: str, root: str, first: int, variables: dict
                ) -> tuple[list[dict], dict, dict]:
    """(nodes, pageInfo of the last request, data of the last request) for `first` nodes of
    the connection `root`, starting at variables["after"]."""
    nodes, after, data = [], variables.get("after"), {}
    page_info: dict = {}
    while len(nodes) < first:
        data = shopify.query(operation, {**variables, "after": after,
                                          "first": min(first - len(nodes), NODES_PER_REQUEST)})
        nodes += data[root]["nodes"]
        page_info = data[root]["pageInfo"]
        after = page_info.get("endCursor")
        if not page_info.get("hasNextPage") or not after:
            break
    return nodes, page_info, data
