"""`notify_merchant`: the agent alerts the store's team on WhatsApp through Ecomdrop.

The alert types and who receives each come from the AI agent page's alert contacts. The
contact is found (or created) in the shop's Ecomdrop account by phone; the alert then goes
out through the alerts flow the merchant chose (its text in the contact field `agent_alert`,
which the flow's template shows), or, without one, as a WhatsApp text, which WhatsApp only
delivers to a number that wrote in the last 24 hours.

Each alert is logged. The same request (the same `requestId`, or the same type, text,
customer and order within ten minutes) is one alert, sent once; each shop may send at most
`ALERTS_PER_HOUR` alerts of one type per hour. The tool's schemas are in
app/services/agent_tools/schemas/notify_merchant.json.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.clients.ecomdrop import EcomdropAuthError, EcomdropError, EcomdropUnavailable
from app.extensions import db
from app.models import MerchantNotification, NotificationStatus, Shop
from app.models.types import utcnow
from app.services.agent_profile.bot_field import EcomdropChoiceProblem, link_for_update, load_link
from app.services.ai_configuration import NOTIFICATION_TYPES, load_agent_settings
from app.services.settings.clients import IntegrationClients
from app.services.settings.common import SettingsUnavailable, load_configuration
from app.services.settings.ecomdrop import account_flows
from app.services.settings.problems import ecomdrop_problem

log = logging.getLogger(__name__)

ALERTS_PER_HOUR = 10
SAME_ALERT_WINDOW_SECONDS = 600
MESSAGE_MAX = 1000
ALERT_FIELD_NAME = "agent_alert"
SUMMARY_MAX = 300

class NotifyError(Exception):
    """An alert was not sent; `message` says why in the merchant's language and `status` is
    the HTTP status a tool endpoint answers with."""

    status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = str(message)


class UnknownAlertType(NotifyError):
    status = 400


class AlertNotConfigured(NotifyError):
    status = 422


class AlertRateLimited(NotifyError):
    status = 429


class AlertNotSent(NotifyError):
    status = 502


@dataclass(frozen=True)
class AlertRequest:
    kind: str
    message: str
    customer_phone: str = ""
    order_name: str = ""
    request_id: str = ""

    @classmethod
    def from_arguments(cls, arguments: dict) -> "AlertRequest":
        """From the tool's JSON arguments (already checked against its inputSchema)."""
        return cls(kind=str(arguments.get("type") or ""),
                   message=str(arguments.get("message") or "").strip(),
                   customer_phone=str(arguments.get("customerPhone") or "").strip(),
                   order_name=str(arguments.get("orderName") or "").strip(),
                   request_id=str(arguments.get("requestId") or "").strip())

    def key(self, now: datetime) -> str:
        if self.request_id:
            return f"r:{self.request_id[:64]}"
        fingerprint = "\n".join((self.kind, self.message, self.customer_phone, self.order_name))
        bucket = int(now.timestamp()) // SAME_ALERT_WINDOW_SECONDS
        return f"f:{hashlib.sha256(fingerprint.encode()).hexdigest()[:40]}:{bucket}"


def notify_merchant(clients: IntegrationClients, shop: Shop, request: AlertRequest) -> dict:
    """Send one alert to the contact configured for its type; returns the tool's output.
    Raises a NotifyError subclass when it is unknown, not configured, over the hourly limit
    or refused by Ecomdrop."""
    if request.kind not in NOTIFICATION_TYPES:
        raise UnknownAlertType(_("“%(type)s” is not an alert type. Use one of: %(types)s.",
                                 type=request.kind, types=", ".join(NOTIFICATION_TYPES)))
    if not request.message or len(request.message) > MESSAGE_MAX:
        raise UnknownAlertType(_("Write the alert in 1 to %(max)d characters.", max=MESSAGE_MAX))
    contact = load_agent_settings(shop).notifications.get(request.kind)
    label = str(NOTIFICATION_TYPES[request.kind])
    if contact is None or not contact.phone:
        raise AlertNotConfigured(_("Nobody receives “%(type)s” alerts: the store has not set a "
                                   "contact for them.", type=label))
    config = load_configuration(shop)
    if not (config and config.ecomdrop_api_key):
        raise AlertNotConfigured(_("The store has not connected Ecomdrop, so alerts cannot be "
                                   "sent."))
    now = utcnow()
    row, fresh = _claim(shop, request, now)
    if not fresh:
        return _output(row, duplicate=True)
    text = _alert_text(shop, request, label)
    try:
        channel = _deliver(clients.ecomdrop(config.ecomdrop_api_key), shop, contact, text)
    except EcomdropError as exc:
        problem = _delivery_problem(exc, shop)
        _finish(row, NotificationStatus.FAILED, error=problem)
        log.warning("Alert %s of shop %s not sent", request.kind, shop.domain)
        raise AlertNotSent(problem) from None
    _finish(row, NotificationStatus.SENT, channel=channel)
    log.info("Alert %s sent for shop %s (notification %s)", request.kind, shop.domain, row.id)
    return _output(row, duplicate=False)


def _claim(shop: Shop, request: AlertRequest, now: datetime
           ) -> tuple[MerchantNotification, bool]:
    """The alert's log row and whether this call must send it (False: an identical request
    sent it or is sending it). A failed alert may be claimed again."""
    key = request.key(now)
    table = MerchantNotification
    existing = db.session.scalar(select(table).where(table.shop_id == shop.id,
                                                     table.request_key == key))
    if existing is not None and existing.status != NotificationStatus.FAILED:
        return existing, False
    _check_rate(shop, request.kind, now)
    if existing is not None:
        claimed = db.session.execute(
            update(table).where(table.id == existing.id,
                                table.status == NotificationStatus.FAILED)
            .values(status=NotificationStatus.SENDING, error=None)
            .execution_options(synchronize_session=False)).rowcount == 1
        db.session.commit()
        db.session.refresh(existing)
        return existing, claimed
    row = table(shop_id=shop.id, kind=request.kind, request_key=key,
                status=NotificationStatus.SENDING, summary=_summary(request))
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # an identical request got there first
        db.session.rollback()
        return db.session.scalar(select(table).where(table.shop_id == shop.id,
                                                     table.request_key == key)), False
    return row, True


def _check_rate(shop: Shop, kind: str, now: datetime) -> None:
    table = MerchantNotification
    recent = db.session.scalar(select(func.count()).select_from(table).where(
        table.shop_id == shop.id, table.kind == kind,
        table.status != NotificationStatus.FAILED,
        table.created_at > now - timedelta(hours=1)))
    if recent >= ALERTS_PER_HOUR:
        log.warning("Alert %s of shop %s refused: %d in the last hour", kind, shop.domain,
                    recent)
        raise AlertRateLimited(_("The store received %(count)d alerts of this type in the last "
                                 "hour, the most allowed. Tell the customer the team will get "
                                 "back to them.", count=ALERTS_PER_HOUR))


def _deliver(client, shop: Shop, contact, text: str) -> str:
    """Send `text` to the contact through the alerts flow when one is chosen, else as text."""
    person, _created = client.find_or_create_contact(phone=contact.phone,
                                                      first_name=contact.name)
    link = load_link(shop)
    if link is not None and link.alert_flow_id:
        field = client.ensure_custom_field(ALERT_FIELD_NAME)
        client.set_contact_field(person.id, field.id, text)
        client.send_flow(person.id, link.alert_flow_id)
        return "flow"
    client.send_text(person.id, text)
    return "text"


def _delivery_problem(exc: EcomdropError, shop: Shop) -> str:
    link = load_link(shop)
    refused_text = not isinstance(exc, (EcomdropAuthError, EcomdropUnavailable)) and not (
        link and link.alert_flow_id) and exc.status == 400
    if refused_text:
        return _("WhatsApp only delivers a plain message to a number that wrote to your "
                 "Ecomdrop line in the last 24 hours. Choose an alerts flow on the AI agent "
                 "page so alerts always arrive.")
    return ecomdrop_problem(exc)


def _alert_text(shop: Shop, request: AlertRequest, label: str) -> str:
    lines = [_("Alert: %(type)s (%(store)s)", type=label, store=shop.name or shop.domain),
             request.message]
    if request.customer_phone:
        lines.append(_("Customer: %(phone)s", phone=request.customer_phone))
    if request.order_name:
        lines.append(_("Order: %(order)s", order=request.order_name))
    return "\n".join(lines)


def _summary(request: AlertRequest) -> str:
    parts = [request.message, request.order_name]
    return " · ".join(p for p in parts if p)[:SUMMARY_MAX]


def _finish(row: MerchantNotification, status: NotificationStatus, *, error: str | None = None,
            channel: str | None = None) -> None:
    row.status = status
    row.error = error
    row.channel = channel
    if status == NotificationStatus.SENT:
        row.sent_at = utcnow()
    db.session.commit()


def _output(row: MerchantNotification, *, duplicate: bool) -> dict:
    sent = row.status == NotificationStatus.SENT
    status = "sending" if not sent else ("already_sent" if duplicate else "sent")
    output = {"notified": sent, "status": status, "type": row.kind,
              "notificationId": str(row.id)}
    if row.sent_at:
        output["sentAt"] = row.sent_at.isoformat().replace("+00:00", "Z")
    return output


def recent_alerts(shop: Shop, limit: int = 20) -> list[MerchantNotification]:
    """The shop's latest alerts, newest first, for the AI agent page."""
    return list(db.session.scalars(
        select(MerchantNotification).where(MerchantNotification.shop_id == shop.id)
        .order_by(MerchantNotification.id.desc()).limit(limit)))


def choose_alert_flow(clients: IntegrationClients, shop: Shop, flow_id: str, cache) -> None:
    """Send alerts through flow `flow_id` of the shop's Ecomdrop account ("" to send them as
    text). Raises EcomdropChoiceProblem when the account has no such flow or cannot be read."""
    link = link_for_update(shop)
    flow_id = (flow_id or "").strip()
    if not flow_id:
        link.alert_flow_id = link.alert_flow_name = None
        db.session.commit()
        return
    try:
        flows = account_flows(clients, shop, cache, refresh=True)
    except SettingsUnavailable as exc:
        raise EcomdropChoiceProblem(exc.message) from None
    chosen = next((flow for flow in flows if flow.id == flow_id), None)
    if chosen is None:
        raise EcomdropChoiceProblem(_("Your Ecomdrop account has no flow %(id)s any more. "
                                    "Choose another one.", id=flow_id))
    link.alert_flow_id = chosen.id
    link.alert_flow_name = chosen.name[:255] or None
    db.session.commit()
