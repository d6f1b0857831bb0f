"""The agent profile's tools: `get_store_profile` (what the agent knows about the store, safe
for customers) and `notify_merchant` (a WhatsApp alert to the store's team)."""
from __future__ import annotations

from app.models import Shop
from app.services.agent_profile import (
    AlertNotConfigured,
    AlertNotSent,
    AlertRateLimited,
    AlertRequest,
    NotifyError,
    UnknownAlertType,
    get_store_profile,
    notify_merchant,
)
from app.services.agent_tools.registry import (
    CallerContext,
    ToolError,
    ToolInputInvalid,
    ToolUpstreamError,
    register,
    tool_from_file,
)
from app.services.settings.clients import IntegrationClients


class ToolNotConfigured(ToolError):
    status, code = 422, "not_configured"


class ToolRateLimited(ToolError):
    status, code = 429, "rate_limited"


class EcomdropUnreachable(ToolUpstreamError):
    code = "ecomdrop_error"


ALERT_ERRORS: dict[type[NotifyError], type[ToolError]] = {
    UnknownAlertType: ToolInputInvalid,
    AlertNotConfigured: ToolNotConfigured,
    AlertRateLimited: ToolRateLimited,
    AlertNotSent: EcomdropUnreachable,
}


def store_profile(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    return get_store_profile(shop, caller.shopify)


def alert_merchant(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    request = AlertRequest.from_arguments(arguments)
    if caller.customer_phone and not caller.is_staff:
        # The number Ecomdrop vouches for is the customer's, whatever the agent typed.
        request = AlertRequest(request.kind, request.message, caller.customer_phone,
                               request.order_name, request.request_id)
    try:
        return notify_merchant(IntegrationClients(caller.settings), shop, request)
    except NotifyError as refused:
        raise ALERT_ERRORS.get(type(refused), ToolError)(refused.message) from None


register(tool_from_file("get_store_profile", store_profile))
register(tool_from_file("notify_merchant", alert_merchant))
