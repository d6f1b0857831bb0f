"""The compiled agent profile in an Ecomdrop bot field, for flows that cannot call tools.

Ecomdrop documents bot fields by id only (GET|POST|DELETE /accounts/bot_fields/{id}, no call
lists them), so the merchant enters the field's id; it is read before it is chosen and before
every write. A write runs only when the text (or the field) changed since the last one, and
a writer first claims the row, so repeated or concurrent jobs write a change once.
"""
from __future__ import annotations

import enum
import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.clients.ecomdrop import EcomdropError, EcomdropNotFound, EcomdropUnavailable
from app.clients.ecomdrop.client import bot_field_id
from app.clients.shopify import ShopifyError
from app.extensions import db
from app.models import AgentEcomdropLink, Shop
from app.models.types import utcnow
from app.services.agent_profile.profile import compile_profile_text, get_store_profile
from app.services.settings.clients import IntegrationClients
from app.services.settings.common import load_configuration
from app.services.settings.problems import ecomdrop_problem, shopify_problem

log = logging.getLogger(__name__)

# A claim older than this belongs to a writer that died; another may take it.
CLAIM_TTL = timedelta(minutes=2)
PENDING_GRACE = timedelta(minutes=5)
ERROR_TEXT_LIMIT = 1000


class EcomdropChoiceProblem(ValueError):
    """A bot field or alerts flow could not be chosen; `message` says why in the merchant's
    words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WriteResult(str, enum.Enum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"  # Ecomdrop already holds this text
    BUSY = "busy"  # another writer holds the claim; try again shortly
    FAILED = "failed"
    NOT_SET = "not_set"  # no bot field chosen


@dataclass(frozen=True)
class WriteOutcome:
    result: WriteResult
    message: str = ""
    retry: bool = False  # worth trying again later (Ecomdrop unavailable, another writer)


def load_link(shop: Shop) -> AgentEcomdropLink | None:
    """The shop's agent/Ecomdrop link row, or None when nothing was ever chosen."""
    return db.session.scalar(select(AgentEcomdropLink).where(AgentEcomdropLink.shop_id == shop.id))


def link_for_update(shop: Shop) -> AgentEcomdropLink:
    """The shop's link row, created when missing (a concurrent creation is reused)."""
    row = load_link(shop)
    if row is not None:
        return row
    db.session.add(AgentEcomdropLink(shop_id=shop.id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return load_link(shop)


def _ecomdrop_key(shop: Shop) -> str | None:
    config = load_configuration(shop)
    return config.ecomdrop_api_key if config else None


def choose_profile_field(clients: IntegrationClients, shop: Shop, raw_id: str) -> WriteOutcome:
    """Check that bot field `raw_id` exists in the shop's Ecomdrop account (GET), remember it
    and write the profile to it now. Raises EcomdropChoiceProblem when it cannot be chosen."""
    api_key = _ecomdrop_key(shop)
    if not api_key:
        raise EcomdropChoiceProblem(_("Connect Ecomdrop in Settings first."))
    if not (raw_id or "").strip():
        raise EcomdropChoiceProblem(_("Enter the id of the Ecomdrop bot field."))
    try:
        field_id = bot_field_id(raw_id)
    except EcomdropError as exc:  # not a number: Ecomdrop is not asked
        raise EcomdropChoiceProblem(exc.merchant_message) from None
    try:
        field = clients.ecomdrop(api_key).bot_field(field_id)
    except EcomdropNotFound:
        raise EcomdropChoiceProblem(_(
            "Your Ecomdrop account has no bot field %(id)s. Open the bot field in Ecomdrop, "
            "copy its id and try again.", id=field_id)) from None
    except EcomdropError as exc:
        raise EcomdropChoiceProblem(ecomdrop_problem(exc)) from None
    link = link_for_update(shop)
    link.profile_field_id = field_id
    link.profile_field_name = (field.name or "")[:255] or None
    link.written_digest = None
    link.written_at = None
    link.last_error = None
    db.session.commit()
    log.info("Agent profile bot field %s chosen for shop %s", field_id, shop.domain)
    return write_profile_field(clients, shop, force=True)


def stop_profile_field(shop: Shop) -> None:
    """Stop writing the profile to Ecomdrop (the field keeps its last value there)."""
    link = load_link(shop)
    if link is None:
        return
    link.profile_field_id = None
    link.profile_field_name = None
    link.written_digest = None
    link.written_at = None
    link.last_error = None
    link.claimed_digest = None
    link.pending_since = None
    db.session.commit()


def profile_changed(shop: Shop, enqueue: Callable[[str], object]) -> bool:
    """Queue a write of the bot field after the profile changed; False when none is chosen."""
    link = load_link(shop)
    if link is None or not link.profile_field_id:
        return False
    if link.pending_since is None:
        link.pending_since = utcnow()
        db.session.commit()
    enqueue(shop.domain)
    return True


def resume_pending_writes(enqueue: Callable[[str], object]) -> list[str]:
    """Queue again the writes still pending after PENDING_GRACE (their job was lost or its
    worker died); returns the shops' domains."""
    stale = utcnow() - PENDING_GRACE
    domains = list(db.session.scalars(
        select(Shop.domain).join(AgentEcomdropLink, AgentEcomdropLink.shop_id == Shop.id)
        .where(AgentEcomdropLink.profile_field_id.is_not(None),
               AgentEcomdropLink.pending_since < stale, Shop.uninstalled_at.is_(None))))
    for domain in domains:
        log.info("Agent profile write for %s still pending: queued again", domain)
        enqueue(domain)
    return domains


def write_profile_field(clients: IntegrationClients, shop: Shop, *,
                        force: bool = False) -> WriteOutcome:
    """Write the compiled profile to the chosen bot field when it changed (always with
    `force`), reading the field first. The outcome is also kept on the link for the page."""
    link = load_link(shop)
    if link is None or not link.profile_field_id:
        return WriteOutcome(WriteResult.NOT_SET)
    field_id = link.profile_field_id
    api_key = _ecomdrop_key(shop)
    if not api_key:
        return _failed(link, _("Ecomdrop is not connected: connect it in Settings."))
    try:
        text = compile_profile_text(get_store_profile(shop, clients.shopify(shop)))
    except ShopifyError as exc:
        return _failed(link, shopify_problem(exc), retry=True)
    digest = hashlib.sha256(f"{field_id}\n{text}".encode()).hexdigest()
    if not force and link.written_digest == digest:
        _settle(link)
        return WriteOutcome(WriteResult.UNCHANGED)
    if not _claim(link, digest, force):
        return WriteOutcome(WriteResult.BUSY, retry=True)
    try:
        client = clients.ecomdrop(api_key)
        client.bot_field(field_id)
        client.set_bot_field(field_id, text)
    except EcomdropNotFound:
        return _failed(link, _(
            "Ecomdrop no longer has the bot field %(id)s. Choose another bot field.",
            id=field_id), claimed=True)
    except EcomdropError as exc:
        return _failed(link, ecomdrop_problem(exc), retry=isinstance(exc, EcomdropUnavailable),
                       claimed=True)
    db.session.refresh(link)
    link.written_digest = digest
    link.written_at = link.last_attempt_at = utcnow()
    link.last_error = None
    link.claimed_digest = link.claimed_at = None
    link.pending_since = None
    db.session.commit()
    log.info("Agent profile written to Ecomdrop bot field %s for shop %s", field_id,
             shop.domain)
    return WriteOutcome(WriteResult.WRITTEN)


def _settle(link: AgentEcomdropLink) -> None:
    if link.pending_since is not None:
        link.pending_since = None
        db.session.commit()


def _claim(link: AgentEcomdropLink, digest: str, force: bool) -> bool:
    """Take the row for one writer (an atomic UPDATE); False when another writer holds it or,
    without `force`, when this text was written meanwhile."""
    now = utcnow()
    table = AgentEcomdropLink
    statement = (update(table).where(
        table.id == link.id,
        or_(table.claimed_digest.is_(None), table.claimed_at < now - CLAIM_TTL))
        .values(claimed_digest=digest, claimed_at=now)
        .execution_options(synchronize_session=False))
    if not force:
        statement = statement.where(or_(table.written_digest.is_(None),
                                        table.written_digest != digest))
    claimed = db.session.execute(statement).rowcount == 1
    db.session.commit()
    return claimed


def _failed(link: AgentEcomdropLink, message: str, *, retry: bool = False,
            claimed: bool = False) -> WriteOutcome:
    db.session.refresh(link)
    link.last_error = str(message)[:ERROR_TEXT_LIMIT]
    link.last_attempt_at = utcnow()
    if claimed:  # only the writer holding the claim lets it go
        link.claimed_digest = link.claimed_at = None
    if not retry:  # trying again cannot help: the merchant has to act
        link.pending_since = None
    db.session.commit()
    log.warning("Agent profile not written to Ecomdrop for shop %s", link.shop_id)
    return WriteOutcome(WriteResult.FAILED, str(message), retry=retry)
