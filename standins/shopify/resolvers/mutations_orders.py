"""Order mutations: orderCreate, orderCancel, fulfillmentCreate, refundCreate."""
from __future__ import annotations

from standins.shopify import fulfillment as fulfillment_ops
from standins.shopify import sales
from standins.shopify.records import DomainError
from standins.shopify.resolvers.common import ctx, resolver, user_errors
from standins.shopify.resolvers.mutations_catalog import run_mutation


@resolver("Mutation", "orderCreate")
def resolve_order_create(_root, info, order, options=None):
    shop = ctx(info).shop
    return run_mutation(info, {"order": order, "options": options},
                        lambda: {"order": sales.create_order(shop, order, options,
                                                             admin_api=True)},
                        {"order": None})


@resolver("Mutation", "orderCancel")
def resolve_order_cancel(_root, info, orderId, reason, restock, refund=None, refundMethod=None,
                         notifyCustomer=False, staffNote=None):
    shop = ctx(info).shop
    wants_refund = bool(refund) or bool((refundMethod or {}).get("originalPaymentMethodsRefund"))
    if (refundMethod or {}).get("storeCreditRefund"):
        return _cancel_errors([{"field": ["refundMethod", "storeCreditRefund"],
                                "message": "Refunds to store credit are not supported by the "
                                           "local Shopify stand-in.", "code": "INVALID"}])
    try:
        result = fulfillment_ops.cancel_order(shop, orderId, reason=reason, restock=restock,
                                          refund=wants_refund, staff_note=staffNote)
    except DomainError as error:
        return _cancel_errors(error.errors)
    job_result = {"__typename": "OrderCancelJobResult", "id": result["job"]["id"],
                  "done": True, "errors": [], "order": result["order"], "status": "SUCCEEDED"}
    return {"job": result["job"], "jobResult": job_result, "orderCancelUserErrors": [],
            "userErrors": []}


def _cancel_errors(errors: list[dict]) -> dict:
    return {"job": None, "jobResult": None, "orderCancelUserErrors": user_errors(errors),
            "userErrors": user_errors(errors)}


@resolver("Mutation", "fulfillmentCreate")
def resolve_fulfillment_create(_root, info, fulfillment: dict, message=None):
    shop = ctx(info).shop
    return run_mutation(info, {"fulfillment": fulfillment, "message": message}, lambda: {
        "fulfillment": fulfillment_ops.create_fulfillment(shop, fulfillment, message)},
        {"fulfillment": None})


@resolver("Mutation", "refundCreate")
def resolve_refund_create(_root, info, input):
    shop = ctx(info).shop

    def run():
        refund = fulfillment_ops.create_refund(shop, input)
        return {"refund": refund, "order": shop.orders[refund["_order"]]}

    return run_mutation(info, input, run, {"refund": None, "order": None})


@resolver("Mutation", "fulfillmentTrackingInfoUpdate")
def resolve_tracking_update(_root, info, fulfillmentId, trackingInfoInput, notifyCustomer=None):
    shop = ctx(info).shop
    return run_mutation(info, {"fulfillmentId": fulfillmentId,
                               "trackingInfoInput": trackingInfoInput}, lambda: {
        "fulfillment": fulfillment_ops.update_tracking(shop, fulfillmentId, trackingInfoInput,
                                                       bool(notifyCustomer))},
        {"fulfillment": None})


@resolver("Mutation", "fulfillmentEventCreate")
def resolve_fulfillment_event_create(_root, info, fulfillmentEvent):
    shop = ctx(info).shop
    return run_mutation(info, fulfillmentEvent, lambda: {
        "fulfillmentEvent": fulfillment_ops.create_event(shop, fulfillmentEvent)},
        {"fulfillmentEvent": None})
