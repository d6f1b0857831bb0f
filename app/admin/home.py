"""/app: the shop and how it is connected to Shopify, Dropi and Ecomdrop."""
from __future__ import annotations

from flask import Blueprint, g

from app.admin import endpoint_registered
from app.admin.responses import render_page_or_fragment
from app.auth.embedded import embedded_view
from app.auth.responses import reason_text
from app.services.connection_status import connection_status
from app.services.order_board import pipeline_counts
from app.services.settings import load_configuration

bp = Blueprint("home", __name__, url_prefix="/app")
# Stored re-authorization reasons are keys; templates show them in the merchant's language.
bp.add_app_template_filter(reason_text, "reauthorization_reason")


@bp.get("")
@embedded_view
def index():
    config = load_configuration(g.shop)
    return render_page_or_fragment(
        "home/index.html",
        "home/_status.html",
        shop=g.shop,
        status=connection_status(g.shop),
        settings_available=endpoint_registered("settings.index"),
        orders=pipeline_counts(g.shop),
        active=bool(config and config.active),
    )
