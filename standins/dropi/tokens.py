"""Integration tokens of the stand-in: JWTs shaped like Dropi's (readable payload with aud,
integration_type, ip_url allow-list, a century-long exp), signed with the stand-in's key.

Dropi's IT team registers an integrating platform's domain and the IP it calls from; tokens
carry them as `ip_url` [{url, ip}] pairs. The stand-in registers this app the same way: the
app's URL and 127.0.0.1, where every local process calls from."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

import jwt

from standins.dropi.geography import COUNTRIES

DEFAULT_SIGNING_KEY = "dropi-stand-in-signing-key-not-a-secret"
LOCAL_CALLER_IPS = ("127.0.0.1",)
DEMO_ISSUED_AT = int(datetime(2025, 1, 6, tzinfo=timezone.utc).timestamp())
HUNDRED_YEARS = 100 * 365 * 24 * 3600
_TLD = {"CO": "co", "MX": "mx", "CL": "cl", "PE": "pe", "EC": "ec", "PA": "pa", "PY": "com.py",
        "GT": "gt", "AR": "ar", "ES": "com.es"}


@dataclass
class Account:
    """The Dropi store one token belongs to."""

    token: str
    country: str
    user_id: int
    store_name: str
    integration_type: str
    allowed_urls: list[str] = field(default_factory=list)
    ip_url: list[dict] = field(default_factory=list)


def allow_list(urls, ips) -> list[dict]:
    """The ip_url pairs Dropi would register: every listed URL from every listed IP."""
    return [{"url": url, "ip": ip} for url in urls for ip in ips]


def mint_token(
    country: str,
    *,
    user_id: int,
    store_name: str,
    allowed_urls: list[str] | tuple[str, ...] = (),
    allowed_ips: list[str] | tuple[str, ...] = LOCAL_CALLER_IPS,
    integration_type: str = "SHOPIFY",
    issued_at: int = DEMO_ISSUED_AT,
    signing_key: str = DEFAULT_SIGNING_KEY,
) -> Account:
    """A new account and its token; the same arguments always give the same token."""
    country = country.upper()
    if country not in COUNTRIES:
        raise ValueError(f"unknown Dropi country {country!r}")
    claims = {
        "iss": f"http://app.dropi.{_TLD[country]}:80",
        "aud": integration_type,
        "sub": str(user_id),
        "jti": hashlib.sha256(f"{country}-{user_id}-{store_name}-{issued_at}".encode())
        .hexdigest()[:32],
        "iat": issued_at,
        "exp": issued_at + HUNDRED_YEARS,
        "token_type": "INTEGRATIONS",
        "wb_id": 1,
        "integration_type": integration_type,
        "integration_type_id": 9,
        "store_name": store_name,
        "ip_url": allow_list(allowed_urls, allowed_ips),
        "integration_url": allowed_urls[0] if allowed_urls else None,
    }
    token = jwt.encode(claims, signing_key, algorithm="HS256")
    return Account(token, country, user_id, store_name, integration_type, list(allowed_urls),
                   claims["ip_url"])


def demo_accounts(allowed_urls, signing_key: str = DEFAULT_SIGNING_KEY,
                  allowed_ips=LOCAL_CALLER_IPS) -> list[Account]:
    """One stable store and token per country, for the demo and the tests."""
    return [mint_token(country, user_id=500 + index, store_name=f"Tienda Demo {country}",
                       allowed_urls=allowed_urls, allowed_ips=allowed_ips,
                       signing_key=signing_key)
            for index, country in enumerate(COUNTRIES)]
