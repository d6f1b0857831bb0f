"""Access tokens, refresh tokens and authorization codes as Shopify issues them.

Offline tokens are `shpat_…`, online ones `shpua_…`, refresh tokens `shprt_…`. Expiring offline
tokens come with a refresh token that rotates on every use; since 2026-08-28 Shopify keeps the
previous refresh token valid until the access token it produced is first used (research §2), so
a client that lost a refresh response can still recover.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from standins.config import ShopifyStandInConfig

CODE_LIFETIME = 600


class InvalidGrant(Exception):
    """A code or refresh token that is unknown, expired or already used."""


def implied_scopes(scopes: set[str]) -> set[str]:
    """A `write_x` scope also grants `read_x`."""
    implied = {"read_" + s[len("write_"):] for s in scopes if s.startswith("write_")}
    return set(scopes) | implied


@dataclass
class AccessToken:
    value: str
    shop: str
    scopes: frozenset[str]
    expires_at: float | None
    user_id: int | None = None
    issued_by_refresh: str | None = None
    used: bool = False


@dataclass
class RefreshToken:
    value: str
    shop: str
    scopes: frozenset[str]
    expires_at: float
    revoked: bool = False


@dataclass
class AuthorizationCode:
    value: str
    shop: str
    scopes: frozenset[str]
    expires_at: float
    user_id: int | None = None


@dataclass
class _Counts:
    refresh: Counter = field(default_factory=Counter)
    token_exchange: Counter = field(default_factory=Counter)
    code: Counter = field(default_factory=Counter)


class TokenRegistry:
    """Thread-safe book of every credential the stand-in has issued."""

    def __init__(self, config: ShopifyStandInConfig, clock: Callable[[], float] = time.time):
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._granted: dict[str, frozenset[str]] = {}
        self._counts = _Counts()

    # scopes -------------------------------------------------------------------------------
    def granted_scopes(self, shop: str) -> frozenset[str]:
        """What a Shopify-managed install grants on this shop (the app's TOML scopes by default)."""
        with self._lock:
            return self._granted.get(shop, frozenset(self.config.granted_scopes))

    def set_granted_scopes(self, shop: str, scopes: set[str]) -> frozenset[str]:
        with self._lock:
            previous = self._granted.get(shop, frozenset(self.config.granted_scopes))
            self._granted[shop] = frozenset(scopes)
            return previous

    # issuing ------------------------------------------------------------------------------
    def issue_code(self, shop: str, scopes: set[str], user_id: int | None) -> str:
        code = secrets.token_hex(16)
        with self._lock:
            self._codes[code] = AuthorizationCode(
                code, shop, frozenset(scopes), self.clock() + CODE_LIFETIME, user_id
            )
        return code

    def redeem_code(self, code: str, shop: str) -> AuthorizationCode:
        with self._lock:
            grant = self._codes.pop(code, None)
            if grant is None or grant.shop != shop or grant.expires_at < self.clock():
                raise InvalidGrant("The authorization code was not found or was already used")
            self._counts.code[shop] += 1
            return grant

    def issue_offline(self, shop: str, scopes: frozenset[str], *, expiring: bool,
                      parent_refresh: str | None = None) -> dict:
        """A new offline access token (plus a refresh token when expiring), as response JSON."""
        now = self.clock()
        with self._lock:
            access = AccessToken(
                "shpat_" + secrets.token_hex(16), shop, scopes,
                now + self.config.access_token_lifetime if expiring else None,
                issued_by_refresh=parent_refresh,
            )
            self._access[access.value] = access
            body = {"access_token": access.value, "scope": ",".join(sorted(scopes))}
            if expiring:
                refresh = RefreshToken("shprt_" + secrets.token_hex(16), shop, scopes,
                                       now + self.config.refresh_token_lifetime)
                self._refresh[refresh.value] = refresh
                body.update(expires_in=self.config.access_token_lifetime,
                            refresh_token=refresh.value,
                            refresh_token_expires_in=self.config.refresh_token_lifetime)
            return body

    def issue_online(self, shop: str, scopes: frozenset[str], user_id: int) -> dict:
        with self._lock:
            access = AccessToken("shpua_" + secrets.token_hex(16), shop, scopes,
                                 self.clock() + self.config.online_token_lifetime, user_id=user_id)
            self._access[access.value] = access
        return {
            "access_token": access.value,
            "scope": ",".join(sorted(scopes)),
            "expires_in": self.config.online_token_lifetime,
            "associated_user_scope": ",".join(sorted(scopes)),
        }

    def count_token_exchange(self, shop: str) -> None:
        with self._lock:
            self._counts.token_exchange[shop] += 1

    # refresh and migration ----------------------------------------------------------------
    def refresh(self, value: str, shop: str) -> dict:
        """Rotate: a new access token and a new refresh token for a live refresh token."""
        with self._lock:
            self._counts.refresh[shop] += 1
            token = self._refresh.get(value)
            if (token is None or token.shop != shop or token.revoked
                    or token.expires_at < self.clock()):
                raise InvalidGrant("refresh token is invalid, expired or already used")
        return self.issue_offline(shop, token.scopes, expiring=True, parent_refresh=value)

    def migrate(self, value: str, shop: str) -> dict:
        """Swap a non-expiring offline token for an expiring pair; the old token stops working."""
        with self._lock:
            token = self._access.get(value)
            if token is None or token.shop != shop or token.expires_at is not None:
                raise InvalidGrant("subject token is not a non-expiring offline token")
            del self._access[value]
        return self.issue_offline(shop, token.scopes, expiring=True)

    # checking -----------------------------------------------------------------------------
    def authenticate(self, value: str, shop: str) -> AccessToken | None:
        """The live token for this shop, or None; its first use retires its parent refresh token."""
        with self._lock:
            token = self._access.get(value or "")
            if token is None or token.shop != shop:
                return None
            if token.expires_at is not None and token.expires_at <= self.clock():
                return None
            if not token.used:
                token.used = True
                parent = self._refresh.get(token.issued_by_refresh or "")
                if parent is not None:
                    parent.revoked = True
            return token

    # control ------------------------------------------------------------------------------
    def expire(self, shop: str, which: str = "access") -> int:
        """Make the shop's access and/or refresh tokens expired now; returns how many changed."""
        changed, past = 0, self.clock() - 1
        with self._lock:
            if which in ("access", "all"):
                for token in self._access.values():
                    if token.shop == shop and token.expires_at is not None:
                        token.expires_at, changed = past, changed + 1
            if which in ("refresh", "all"):
                for token in self._refresh.values():
                    if token.shop == shop:
                        token.expires_at, changed = past, changed + 1
        return changed

    def revoke_shop(self, shop: str) -> None:
        """Uninstall: every credential of the shop stops working."""
        with self._lock:
            self._access = {k: v for k, v in self._access.items() if v.shop != shop}
            self._refresh = {k: v for k, v in self._refresh.items() if v.shop != shop}
            self._codes = {k: v for k, v in self._codes.items() if v.shop != shop}

    def stats(self) -> dict:
        """Per shop: calls per grant type and how many credentials are still live."""
        now = self.clock()
        with self._lock:
            shops = (set(self._counts.refresh) | set(self._counts.token_exchange)
                     | set(self._counts.code) | {t.shop for t in self._access.values()})
            return {shop: {
                "refresh_calls": self._counts.refresh[shop],
                "token_exchange_calls": self._counts.token_exchange[shop],
                "code_grants": self._counts.code[shop],
                "live_access_tokens": sum(
                    1 for t in self._access.values() if t.shop == shop
                    and (t.expires_at is None or t.expires_at > now)),
                "live_refresh_tokens": sum(
                    1 for t in self._refresh.values() if t.shop == shop
                    and not t.revoked and t.expires_at > now),
            } for shop in sorted(shops)}
