"""Resolvers attached to the real Admin schema. Importing the modules registers them."""
from __future__ import annotations

from standins.shopify.resolvers import (  # noqa: F401  (registration side effect)
    fulfillments,
    inventory,
    mutations_catalog,
    mutations_orders,
    mutations_variants,
    orders,
    platform,
    products,
    shop,
)
from standins.shopify.resolvers.common import (RequestContext, attach_resolvers,
                                                  resolve_abstract_type, stand_in_field_resolver)

__all__ = ["RequestContext", "attach_resolvers", "resolve_abstract_type",
           "stand_in_field_resolver"]
