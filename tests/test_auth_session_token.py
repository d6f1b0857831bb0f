"""Session token verification: signature, audience, time window, required claims, shop."""
from __future__ import annotations

import time

import jwt
import pytest

from app.auth.session_token import InvalidSessionToken, bearer_token, decode_session_token
from tests.support import API_KEY, API_SECRET, mint_session_token

SHOP = "test-shop.myshopify.com"


def decode(token: str):
    return decode_session_token(token, api_key=API_KEY, api_secret=API_SECRET)


def test_a_valid_token_gives_the_shop_from_dest_and_the_user():
    claims = decode(mint_session_token(SHOP, user_id="72564015311", sid="session-1"))
    assert claims.shop == SHOP
    assert claims.user_id == "72564015311"
    assert claims.session_id == "session-1"
    assert claims.expires_at.tzinfo is not None


def test_a_token_expired_9_seconds_ago_is_still_accepted():
    token = mint_session_token(SHOP, issued_at=time.time() - 69, lifetime=60)
    assert decode(token).shop == SHOP


def test_a_token_expired_11_seconds_ago_is_refused():
    token = mint_session_token(SHOP, issued_at=time.time() - 71, lifetime=60)
    with pytest.raises(InvalidSessionToken):
        decode(token)


def test_a_token_valid_9_seconds_from_now_is_accepted():
    token = mint_session_token(SHOP, issued_at=time.time() + 9)
    assert decode(token).shop == SHOP


def test_a_token_valid_only_from_20_seconds_from_now_is_refused():
    with pytest.raises(InvalidSessionToken):
        decode(mint_session_token(SHOP, issued_at=time.time() + 20))


def test_a_token_for_another_app_is_refused():
    with pytest.raises(InvalidSessionToken):
        decode(mint_session_token(SHOP, audience="another-app"))


@pytest.mark.parametrize("audience", [[API_KEY], [API_KEY, "another-app"], ["another-app", API_KEY]])
def test_a_token_whose_audience_is_a_list_holding_the_api_key_is_refused(audience):
    with pytest.raises(InvalidSessionToken, match="audience"):
        decode(mint_session_token(SHOP, audience=audience))


def test_a_token_signed_with_another_secret_is_refused():
    with pytest.raises(InvalidSessionToken):
        decode(mint_session_token(SHOP, secret="not-the-app-secret"))


def test_an_unsigned_alg_none_token_is_refused():
    now = int(time.time())
    claims = {"iss": f"https://{SHOP}/admin", "dest": f"https://{SHOP}", "aud": API_KEY,
              "sub": "42", "exp": now + 60, "nbf": now, "iat": now}
    token = jwt.encode(claims, key=None, algorithm="none")
    with pytest.raises(InvalidSessionToken):
        decode(token)


def test_a_token_whose_issuer_and_destination_are_different_shops_is_refused():
    token = mint_session_token("shop-a.myshopify.com", dest_shop="shop-b.myshopify.com")
    with pytest.raises(InvalidSessionToken, match="different shops"):
        decode(token)


@pytest.mark.parametrize("claim", ["exp", "nbf", "iss", "dest", "sub", "aud"])
def test_a_token_missing_a_required_claim_is_refused(claim):
    with pytest.raises(InvalidSessionToken):
        decode(mint_session_token(SHOP, omit=(claim,)))


@pytest.mark.parametrize("hostile", ["evil.com", "x.myshopify.com.evil.com", "-x.myshopify.com"])
def test_a_token_naming_a_hostile_shop_is_refused(hostile):
    token = mint_session_token(SHOP, iss=f"https://{hostile}/admin", dest=f"https://{hostile}")
    with pytest.raises(InvalidSessionToken):
        decode(token)


def test_a_token_with_a_plain_http_destination_is_refused():
    token = mint_session_token(SHOP, iss=f"http://{SHOP}/admin", dest=f"http://{SHOP}")
    with pytest.raises(InvalidSessionToken):
        decode(token)


def test_garbage_and_empty_tokens_are_refused():
    for token in ("", None, "not-a-jwt", "a.b.c"):
        with pytest.raises(InvalidSessionToken):
            decode(token)


def test_bearer_header_parsing():
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    assert bearer_token("bearer abc") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None
