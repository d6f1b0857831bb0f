"""`get_store_profile`: what the AI agent knows about the shop, read at the start of a
conversation, and the same knowledge as one text for Ecomdrop flows that cannot call tools.

The profile holds what a customer may hear: the agent's persona, the company, payment methods,
policies, FAQs, behaviour rules and the store's facts (currency and shipping countries from
Shopify, cash on delivery from the Dropi connection). It never holds secrets nor the
notification contacts' names or numbers: only which alert types `notify_merchant` can send.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.clients.shopify import ShopifyClient
from app.extensions import db
from app.i18n import country_name
from app.models import AgentProfileVersion, AIConfiguration, Shop, ShopConfiguration
from app.services.ai_configuration import NOTIFICATION_TYPES, AgentSettings, load_agent_settings

_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s*")


def lines_of(text: str) -> list[str]:
    """Non-empty lines of a text area, without list bullets ('- ', '1. ', '•')."""
    return [cleaned for line in (text or "").splitlines()
            if (cleaned := _BULLET.sub("", line).strip())]


def store_facts(shop: Shop, shopify: ShopifyClient) -> dict:
    """Currency and shipping countries from Shopify; cash on delivery from the Dropi
    connection (Dropi delivers with cash collection in its country)."""
    data = shopify.query("store_profile_facts")["shop"]
    config = db.session.scalar(
        select(ShopConfiguration).where(ShopConfiguration.shop_id == shop.id))
    dropi_country = (config.dropi_country or "").upper() if config and config.dropi_token else ""
    cash_on_delivery: dict[str, Any] = {"available": bool(dropi_country)}
    if dropi_country:
        cash_on_delivery["country"] = dropi_country
    return {
        "name": data.get("name") or shop.name or "",
        "currencyCode": data.get("currencyCode") or shop.currency or "",
        "shipsToCountries": sorted(data.get("shipsToCountries") or []),
        "cashOnDelivery": cash_on_delivery,
    }


def get_store_profile(shop: Shop, shopify: ShopifyClient) -> dict:
    """The shop's agent profile as the `get_store_profile` tool returns it (its outputSchema
    is app/services/agent_tools/schemas/get_store_profile.json)."""
    settings = load_agent_settings(shop)
    return profile_from(settings, store_facts(shop, shopify), *_version_and_time(shop))


def profile_from(settings: AgentSettings, facts: dict, version: int = 0,
                 updated_at: str | None = None) -> dict:
    """The profile for saved settings and store facts; no contact's name or number."""
    profile: dict[str, Any] = {
        "agentName": settings.agent_name,
        "companyName": settings.company_name,
        "companyDescription": settings.company_description,
        "paymentMethods": lines_of(settings.payment_methods),
        "policies": settings.policies,
        "preSaleFaq": [{"question": f.question, "answer": f.answer}
                       for f in settings.faq_pre_sale],
        "postSaleFaq": [{"question": f.question, "answer": f.answer}
                        for f in settings.faq_post_sale],
        "behaviorRules": lines_of(settings.behavior_rules),
        "store": facts,
        "merchantAlerts": [kind for kind in NOTIFICATION_TYPES
                           if settings.notifications.get(kind)
                           and settings.notifications[kind].phone],
        "profileVersion": version,
    }
    if updated_at:
        profile["updatedAt"] = updated_at
    return profile


def _version_and_time(shop: Shop) -> tuple[int, str | None]:
    number = db.session.scalar(select(func.max(AgentProfileVersion.number))
                               .where(AgentProfileVersion.shop_id == shop.id)) or 0
    updated = db.session.scalar(select(AIConfiguration.updated_at)
                                .where(AIConfiguration.shop_id == shop.id))
    return number, updated.isoformat().replace("+00:00", "Z") if updated else None


def compile_profile_text(profile: dict) -> str:
    """The profile as one plain text, in the current language, for an Ecomdrop bot field.

    Versions and times are left out so the text changes only when the knowledge does.
    """
    store = profile["store"]
    cod = store["cashOnDelivery"]
    sections: list[tuple[str, list[str]]] = [
        (_("Agent"), [profile["agentName"]]),
        (_("Company"), [profile["companyName"]]),
        (_("About the company"), [profile["companyDescription"]]),
        (_("Payment methods"), [f"- {m}" for m in profile["paymentMethods"]]),
        (_("Store policies"), [profile["policies"]]),
        (_("Pre-sale questions"), _faq_lines(profile["preSaleFaq"])),
        (_("Post-sale questions"), _faq_lines(profile["postSaleFaq"])),
        (_("Behaviour rules"), [f"- {r}" for r in profile["behaviorRules"]]),
        (_("Store facts"), [
            _("Currency: %(code)s", code=store["currencyCode"]),
            _("Ships to: %(countries)s", countries=", ".join(
                country_name(c) for c in store["shipsToCountries"]) or "-"),
            _("Cash on delivery: yes (%(country)s)", country=country_name(cod["country"]))
            if cod["available"] else _("Cash on delivery: no"),
        ]),
    ]
    blocks = [f"{title}:\n" + "\n".join(lines)
              for title, lines in sections if any(line.strip() for line in lines)]
    return "\n\n".join(blocks)


def _faq_lines(entries: list[dict]) -> list[str]:
    return [_("Q: %(question)s\nA: %(answer)s", question=e["question"], answer=e["answer"])
            for e in entries]
