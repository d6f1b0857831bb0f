"""Supplier HTML made safe before it reaches Shopify or one of our pages."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import nh3

from app.clients.dropi_core import DROPI_HOSTS
from app.clients.dropi_transport import DEFAULT_IMAGE_BASE_URL

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "small", "sub", "sup", "span", "div",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "a", "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

SHOPIFY_CDN_ORIGIN = "https://cdn.shopify.com"
# Dropi serves images from its CloudFront bucket and from its country domains (dropi.co,
# dropi.mx, dropi.com.py...); any subdomain of those counts.
DROPI_IMAGE_HOST = urlsplit(DEFAULT_IMAGE_BASE_URL).hostname or ""
DROPI_DOMAINS = tuple(dict.fromkeys(
    (urlsplit(url).hostname or "").removeprefix("api.") for url in DROPI_HOSTS.values()))
DROPI_IMAGE_ORIGINS = (f"https://{DROPI_IMAGE_HOST}",
                       *(f"https://{sub}{domain}" for domain in DROPI_DOMAINS
                         for sub in ("", "*.")))
_IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def image_source_allowed(url: str | None) -> bool:
    """True for an https image on Dropi's hosts or Shopify's CDN."""
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or parts.username or parts.password:
        return False
    if host in (DROPI_IMAGE_HOST, urlsplit(SHOPIFY_CDN_ORIGIN).hostname):
        return True
    return any(host == domain or host.endswith("." + domain) for domain in DROPI_DOMAINS)


def _keep_allowed_images(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src" and not image_source_allowed(value):
        return None
    return value


def sanitize_description(html: str | None) -> str:
    """Keep formatting, drop scripts, styles, event handlers, javascript: URLs, and images
    from anywhere but Dropi's hosts and Shopify's CDN (a tracker pixel or a hot-linked image
    from an unknown server never reaches Shopify or a page)."""
    if not html:
        return ""
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_keep_allowed_images,
    )
    return _IMAGE_WITHOUT_SOURCE.sub("", clean).strip()
