"""Webhook subscriptions and bulk operations."""
from __future__ import annotations

from urllib.parse import urlparse

from standins.shopify import bulk_runner
from standins.shopify.records import DomainError
from standins.shopify.resolvers.common import connection, ctx, resolver
from standins.shopify.resolvers.mutations_catalog import run_mutation
from standins.shopify.schema import SCHEMA_VERSION

# REST resource names with an underscore, so ORDERS_PARTIALLY_FULFILLED splits correctly.
REST_RESOURCES = ("app_purchases_one_time", "app_subscriptions", "bulk_operations",
                  "customer_groups", "customer_payment_methods", "draft_orders",
                  "fulfillment_events", "fulfillment_orders", "inventory_items",
                  "inventory_levels", "order_transactions", "product_listings",
                  "product_publications", "selling_plan_groups", "subscription_contracts",
                  "tender_transactions", "customers_email_marketing_consent",
                  "customers_marketing_consent")
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def topic_to_rest(topic: str) -> str:
    """ORDERS_CREATE -> orders/create, INVENTORY_LEVELS_UPDATE -> inventory_levels/update."""
    lowered = topic.lower()
    for resource in sorted(REST_RESOURCES, key=len, reverse=True):
        if lowered.startswith(resource + "_"):
            return f"{resource}/{lowered[len(resource) + 1:]}"
    resource, _, event = lowered.partition("_")
    return f"{resource}/{event}"


def rest_to_topic(rest_topic: str) -> str:
    return rest_topic.replace("/", "_").upper()


def _check_uri(uri: str | None) -> str:
    if not uri:
        raise DomainError.single(["webhookSubscription", "uri"], "Address can't be blank")
    parsed = urlparse(uri)
    if parsed.scheme in ("pubsub", "arn"):
        return uri
    local = parsed.hostname in LOCAL_HOSTS
    if parsed.scheme != "https" and not (parsed.scheme == "http" and local):
        raise DomainError.single(["webhookSubscription", "uri"], f"Address protocol "
                                 f"{parsed.scheme}:// is not supported")
    return uri


def _subscription_record(shop, topic: str, settings: dict) -> dict:
    number, subscription_id = shop.new_id("WebhookSubscription")
    now = shop.now()
    record = {"__typename": "WebhookSubscription", "id": subscription_id, "_number": number,
              "topic": topic, "createdAt": now, "updatedAt": now, "filter": None, "name": None,
              "format": "JSON", "includeFields": [], "metafieldNamespaces": [],
              "metafields": [], "apiVersion": {"__typename": "ApiVersion",
                                               "handle": SCHEMA_VERSION,
                                               "displayName": SCHEMA_VERSION,
                                               "supported": True}}
    _apply_settings(record, settings)
    return record


def _apply_settings(record: dict, settings: dict) -> None:
    uri = settings.get("uri") or settings.get("callbackUrl") or record.get("uri")
    record.update(uri=_check_uri(uri), callbackUrl=uri,
                  endpoint={"__typename": "WebhookHttpEndpoint", "callbackUrl": uri})
    for key in ("filter", "name", "format", "includeFields", "metafieldNamespaces"):
        if settings.get(key) is not None:
            record[key] = settings[key]


@resolver("Mutation", "webhookSubscriptionCreate")
def resolve_webhook_create(_root, info, topic, webhookSubscription):
    shop = ctx(info).shop

    def run():
        uri = webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl")
        if any(s["topic"] == topic and s["uri"] == uri
               for s in shop.webhook_subscriptions.values()):
            raise DomainError.single(["webhookSubscription", "callbackUrl"],
                                     "Address for this topic has already been taken")
        record = _subscription_record(shop, topic, webhookSubscription)
        shop.webhook_subscriptions[record["id"]] = record
        return {"webhookSubscription": record}

    return run_mutation(info, {"topic": topic, "settings": webhookSubscription}, run,
                        {"webhookSubscription": None})


@resolver("Mutation", "webhookSubscriptionUpdate")
def resolve_webhook_update(_root, info, id, webhookSubscription):
    shop = ctx(info).shop

    def run():
        record = shop.webhook_subscriptions.get(id)
        if record is None:
            raise DomainError.single(["id"], "Webhook subscription does not exist")
        _apply_settings(record, webhookSubscription)
        record["updatedAt"] = shop.now()
        return {"webhookSubscription": record}

    return run_mutation(info, {"id": id, "settings": webhookSubscription}, run,
                        {"webhookSubscription": None})


@resolver("Mutation", "webhookSubscriptionDelete")
def resolve_webhook_delete(_root, info, id):
    shop = ctx(info).shop

    def run():
        if shop.webhook_subscriptions.pop(id, None) is None:
            raise DomainError.single(["id"], "Webhook subscription does not exist")
        return {"deletedWebhookSubscriptionId": id}

    return run_mutation(info, {"id": id}, run, {"deletedWebhookSubscriptionId": None})


@resolver("QueryRoot", "webhookSubscriptions")
def resolve_webhook_subscriptions(_root, info, **args):
    records = list(ctx(info).shop.webhook_subscriptions.values())
    if args.get("topics"):
        records = [r for r in records if r["topic"] in args["topics"]]
    wanted_uri = args.get("uri") or args.get("callbackUrl")
    if wanted_uri:
        records = [r for r in records if r["uri"] == wanted_uri]
    if args.get("format"):
        records = [r for r in records if r["format"] == args["format"]]
    return connection(info, records, args, "WebhookSubscription")


@resolver("QueryRoot", "webhookSubscription")
def resolve_webhook_subscription(_root, info, id):
    return ctx(info).shop.webhook_subscriptions.get(id)


@resolver("Mutation", "bulkOperationRunQuery")
def resolve_bulk_run(_root, info, query, groupObjects=False):
    context = ctx(info)
    return run_mutation(info, {"query": query},
                        lambda: {"bulkOperation": bulk_runner.start_bulk_query(context, query)},
                        {"bulkOperation": None})


@resolver("Mutation", "bulkOperationCancel")
def resolve_bulk_cancel(_root, info, id):
    shop = ctx(info).shop

    def run():
        return {"bulkOperation": bulk_runner.cancel_bulk_operation(shop, id)}

    return run_mutation(info, {"id": id}, run, {"bulkOperation": None})


@resolver("QueryRoot", "currentBulkOperation")
def resolve_current_bulk(_root, info, type="QUERY"):
    operations = [op for op in ctx(info).shop.bulk_operations.values() if op["type"] == type]
    return max(operations, key=lambda op: op["_number"]) if operations else None


@resolver("QueryRoot", "bulkOperation")
def resolve_bulk_operation(_root, info, id):
    return ctx(info).shop.bulk_operations.get(id)


@resolver("QueryRoot", "bulkOperations")
def resolve_bulk_operations(_root, info, **args):
    operations = [op for op in ctx(info).shop.bulk_operations.values()
                  if _bulk_filter_matches(op, args.get("query"))]
    # Newest first by default, as Shopify documents; `reverse` gives oldest first.
    args = {**args, "reverse": not args.get("reverse")}
    return connection(info, operations, args, "BulkOperation", lambda op: op["createdAt"])


def _bulk_filter_matches(operation: dict, query: str | None) -> bool:
    """The `status:` and `operation_type:` terms of bulkOperations(query:); terms joined by
    spaces must all hold (the filters the app uses)."""
    for term in (query or "").split():
        name, _, value = term.partition(":")
        value = value.strip("'\"").upper()
        if name == "status" and operation["status"] != value:
            return False
        if name == "operation_type" and operation["type"] != value:
            return False
    return True


def subscriptions_for(shop, rest_topic: str) -> list[dict]:
    """The subscriptions that want `rest_topic` (for webhook delivery)."""
    topic = rest_to_topic(rest_topic)
    return [s for s in shop.webhook_subscriptions.values() if s["topic"] == topic]
