"""The demo's customers answer on WhatsApp: the demo shop holds cash-on-delivery orders until
the customer confirms, and the Ecomdrop stand-in's new-order flow gets an "external request"
step that sends "si" to the app's confirmation callback a few seconds after each order, as a
merchant's flow in Ecomdrop would (with the shop's callback secret in a header)."""
from __future__ import annotations

import requests
from sqlalchemy import select

from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.services.order_pipeline import callback_url, rotate_callback_secret, save_order_policy
from app.services.order_pipeline.policy import SECRET_HEADER

LOCAL_HOSTS = ("http://127.0.0.1", "http://localhost")


def wire_customer_replies(settings, shop_domain: str, *, answer: str = "si",
                          delay_seconds: float = 8.0) -> bool:
    """Set the demo up so customers confirm on WhatsApp; False (nothing done) unless Ecomdrop
    is the local stand-in and a new-order flow is chosen. Makes a new callback secret."""
    base = settings.ecomdrop_base_url
    if not base.startswith(LOCAL_HOSTS):
        return False
    shop = db.session.execute(select(Shop).where(Shop.domain == shop_domain)).scalar_one()
    config = db.session.execute(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == shop.id)).scalar_one_or_none()
    if config is None or not config.ecomdrop_new_order_flow_id:
        return False
    save_order_policy(shop, confirmation="hold_cod", timeout_minutes=60,
                      timeout_action="merchant", preferred_carrier=config.preferred_carrier)
    secret = rotate_callback_secret(shop)
    step = {"url": callback_url(settings), "headers": {SECRET_HEADER: secret},
            "body": {"code": "{{pedido_codigo_confirmacion}}", "answer": answer},
            "delay_seconds": delay_seconds}
    stand_in = base.rstrip("/").removesuffix("/api")
    response = requests.post(
        f"{stand_in}/standin/flows/{config.ecomdrop_new_order_flow_id}/external_request",
        json={"api_key": config.ecomdrop_api_key, "external_request": step},
        timeout=settings.http_timeout_seconds)
    response.raise_for_status()
    return True
