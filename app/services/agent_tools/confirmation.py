"""Writes act only on a second call that carries the token the first call (the preview) gave.

The token is bound to the shop, the key, the tool and the exact arguments. The confirmed call
claims the token with one conditional UPDATE (pending -> running), so however many confirmations
arrive at once, one acts; the others wait for its result and return it, as does any replay.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from datetime import timedelta
from typing import Callable

from sqlalchemy import select, update

from app.extensions import db
from app.models import AgentConfirmation
from app.models.types import utcnow
from app.services.agent_tools.registry import (CallerContext, ToolConflict, ToolError,
                                               ToolForbidden, ToolInputInvalid, ToolNotFound,
                                               ToolUpstreamError)

TOKEN_FIELD = "confirmationToken"
TOKEN_LIFETIME = timedelta(minutes=10)
# A confirmation still "running" after this long belongs to a process that died; it may be
# claimed again (the write handlers re-read Shopify's state before acting, so none acts twice).
STALE_RUN = timedelta(minutes=2)
WAIT_FOR_RESULT_SECONDS = 15.0
ERROR_CLASSES = {cls.__name__: cls for cls in (ToolConflict, ToolError, ToolForbidden,
                                               ToolInputInvalid, ToolNotFound, ToolUpstreamError)}


def arguments_digest(tool: str, arguments: dict) -> str:
    payload = {k: v for k, v in arguments.items() if k != TOKEN_FIELD}
    canonical = json.dumps([tool, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_confirmation(caller: CallerContext, tool: str, arguments: dict, preview: dict) -> dict:
    """Store a pending confirmation and return the preview output with its token."""
    token = "cfm_" + secrets.token_urlsafe(24)
    expires_at = utcnow() + TOKEN_LIFETIME
    db.session.add(AgentConfirmation(
        shop_id=caller.shop.id, key_id=caller.key_id, tool=tool,
        arguments_digest=arguments_digest(tool, arguments), token_hash=_hash(token),
        expires_at=expires_at))
    db.session.commit()
    return {"success": False, "status": "CONFIRMATION_REQUIRED", "confirmationToken": token,
            "expiresAt": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "preview": preview,
            "message": "Nothing was done yet. Show this preview, ask for an explicit yes, then "
                       "call again with the same arguments and this confirmationToken."}


def run_confirmed(caller: CallerContext, tool: str, arguments: dict,
                  act: Callable[[], dict]) -> dict:
    """Act once for a valid token; a replay (or a concurrent twin) gets the first result."""
    confirmation = _matching_confirmation(caller, tool, arguments)
    if confirmation.status == "pending" and confirmation.expires_at < utcnow():
        raise ToolConflict("This confirmation token has expired: call without it for a new "
                           "preview.")
    if _claim(confirmation.id):
        return _act_and_store(confirmation.id, act)
    return _result_of(confirmation.id)


def _matching_confirmation(caller: CallerContext, tool: str, arguments: dict
                           ) -> AgentConfirmation:
    token = arguments.get(TOKEN_FIELD)
    confirmation = db.session.scalar(select(AgentConfirmation).where(
        AgentConfirmation.token_hash == _hash(str(token)),
        AgentConfirmation.shop_id == caller.shop.id,
        AgentConfirmation.key_id == caller.key_id,
        AgentConfirmation.tool == tool))
    if confirmation is None:
        raise ToolConflict("This confirmation token is not valid for this call: call without "
                           "it for a new preview.")
    if confirmation.arguments_digest != arguments_digest(tool, arguments):
        raise ToolConflict("The arguments differ from the ones previewed with this token: "
                           "nothing was done. Call without the token for a new preview.")
    return confirmation


def _claim(confirmation_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(
        update(AgentConfirmation)
        .where(AgentConfirmation.id == confirmation_id,
               (AgentConfirmation.status == "pending")
               | ((AgentConfirmation.status == "running")
                  & (AgentConfirmation.acted_at < now - STALE_RUN)))
        .values(status="running", acted_at=now)).rowcount
    db.session.commit()
    return claimed == 1


def _act_and_store(confirmation_id: int, act: Callable[[], dict]) -> dict:
    try:
        result = {"ok": act()}
    except ToolError as refused:
        result = {"error": {"type": type(refused).__name__, "message": refused.message}}
    except Exception:
        db.session.rollback()
        db.session.execute(update(AgentConfirmation)
                           .where(AgentConfirmation.id == confirmation_id)
                           .values(status="pending"))
        db.session.commit()
        raise
    db.session.execute(update(AgentConfirmation).where(AgentConfirmation.id == confirmation_id)
                       .values(status="done", result=result))
    db.session.commit()
    return _unwrap(result)


def _result_of(confirmation_id: int) -> dict:
    deadline = time.monotonic() + WAIT_FOR_RESULT_SECONDS
    while True:
        db.session.rollback()  # see the other transaction's commit
        confirmation = db.session.get(AgentConfirmation, confirmation_id)
        if confirmation.status == "done":
            return _unwrap(confirmation.result)
        if time.monotonic() > deadline:
            raise ToolConflict("This confirmation is still being carried out; ask again in a "
                               "moment.")
        time.sleep(0.1)


def _unwrap(result: dict) -> dict:
    if "error" in result:
        error_class = ERROR_CLASSES.get(result["error"]["type"], ToolError)
        raise error_class(result["error"]["message"])
    return result["ok"]
