"""The order pipeline: every new Shopify order reaches WhatsApp (Ecomdrop) and Dropi once.

records.py      our order record from the order webhooks (handlers.py registers them)
runner.py       advance_order: runs each due step under a lease; the periodic sweep
whatsapp.py     step 1, the new-order flow in Ecomdrop
confirmation.py step 2, cash-on-delivery confirmation, the callback secret and answers
geography.py    Dropi's department and city for an address (cached, remembered picks)
dropi_order.py  step 3, the Dropi order, looked up before any retry
cancellation.py Shopify cancellations, cancelled in Dropi before the guide exists
actions.py      the merchant's buttons; queries.py the Orders page's reads
privacy.py      what customers/data_request and customers/redact reach
policy.py       the shop's confirmation policy; texts.py the words for codes
"""
from app.services.order_pipeline import handlers as _handlers  # noqa: F401  registers webhooks
from app.services.order_pipeline import privacy as _privacy  # noqa: F401  privacy requests
from app.services.order_pipeline.actions import (
    OrderActionRefused,
    cancel_order,
    city_options,
    confirm_order,
    get_order,
    pick_city,
    retry_step,
    send_held_orders,
    send_now,
)
from app.services.order_pipeline.confirmation import (
    CallbackRefused,
    CallbackResult,
    answer_from_callback,
    rotate_callback_secret,
)
from app.services.order_pipeline.geography import DepartmentOption
from app.services.order_pipeline.policy import (
    OrderPolicy,
    PolicyInvalid,
    callback_url,
    order_policy,
    save_order_policy,
)
from app.services.order_pipeline.queries import (
    OrderDetail,
    OrderFilters,
    OrderListPage,
    list_orders,
    order_detail,
    step_state_counts,
)
from app.services.order_pipeline.queueing import use_queue
from app.services.order_pipeline.records import record_order
from app.services.order_pipeline.runner import advance_order, resume_due_orders
from app.services.order_pipeline.texts import (
    event_text,
    reason_text,
    state_label,
    step_label,
    step_text,
)

__all__ = [
    "CallbackRefused", "CallbackResult", "DepartmentOption", "OrderActionRefused",
    "OrderDetail", "OrderFilters", "OrderListPage", "OrderPolicy", "PolicyInvalid",
    "advance_order", "answer_from_callback", "callback_url", "cancel_order", "city_options",
    "confirm_order", "event_text", "get_order", "list_orders", "order_detail",
    "order_policy", "pick_city", "reason_text", "record_order", "resume_due_orders",
    "retry_step", "rotate_callback_secret", "save_order_policy", "send_held_orders",
    "send_now", "state_label", "step_label", "step_state_counts", "step_text", "use_queue",
]
