"""What Shopify signs: admin query strings (hex HMAC), App Bridge session tokens (HS256 JWT),
webhook bodies (base64 HMAC), and the base64 `host` parameter. Research §1, §3, §4."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from urllib.parse import quote

import jwt

SESSION_TOKEN_LEEWAY = 10


def _form_encode(value: str) -> str:
    # URLSearchParams keeps only alphanumerics and *-._ as they are; Shopify's libraries then
    # write spaces as %20 instead of +.
    return quote(value, safe="*-._").replace("~", "%7E")


def query_hmac(params: dict[str, str], secret: str) -> str:
    """Hex HMAC-SHA256 of the sorted, form-encoded query without `hmac` and `signature`."""
    pairs = sorted((k, v) for k, v in params.items() if k not in ("hmac", "signature"))
    message = "&".join(f"{_form_encode(k)}={_form_encode(str(v))}" for k, v in pairs)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed_params(params: dict[str, str], secret: str) -> dict[str, str]:
    """`params` plus the `hmac` Shopify adds to redirects and admin iframe URLs."""
    return {**params, "hmac": query_hmac(params, secret)}


def webhook_signature(body: bytes, secret: str) -> str:
    """X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def encode_host(admin_host: str, store: str) -> str:
    """The `host` parameter: unpadded base64 of "{admin host}/store/{store}"."""
    return base64.b64encode(f"{admin_host}/store/{store}".encode()).decode().rstrip("=")


def session_id(shop: str, user_id: str, secret: str) -> str:
    """Stable per shop, user and app, like App Bridge's `sid`."""
    return hmac.new(secret.encode(), f"{shop}|{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def mint_session_token(shop: str, user_id: str, *, api_key: str, api_secret: str,
                       lifetime: int = 60, now: float | None = None) -> str:
    """An App Bridge session token for `user_id` on `shop`, signed HS256 with the app secret."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": api_key,
        "sub": str(user_id),
        "exp": issued + lifetime,
        "nbf": issued,
        "iat": issued,
        "jti": str(uuid.uuid4()),
        "sid": session_id(shop, str(user_id), api_secret),
    }
    return jwt.encode(claims, api_secret, algorithm="HS256")


class InvalidSubjectToken(Exception):
    """The session token offered for token exchange does not hold."""


def verify_session_token(token: str, shop: str, *, api_key: str, api_secret: str) -> dict:
    """Check a session token the way Shopify's token endpoint does; returns its claims."""
    try:
        claims = jwt.decode(
            token, api_secret, algorithms=["HS256"], audience=api_key,
            leeway=SESSION_TOKEN_LEEWAY, options={"require": ["exp", "nbf", "dest", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidSubjectToken(str(exc)) from exc
    dest = str(claims.get("dest", ""))
    if dest.removeprefix("https://").rstrip("/") != shop:
        raise InvalidSubjectToken("token was issued for another shop")
    return claims
