"""The "external request" step of an Ecomdrop flow, as far as a merchant's flow uses it to
send the customer's answer back: when the flow runs for a contact, after a delay (the customer
reading and answering on WhatsApp), POST a JSON body to a URL with fixed headers. `{{name}}`
in the body's string values is replaced by the contact's custom field of that name (or
`phone`, `first_name`, `email`). Flows cannot compute signatures (dropi-integration-facts §6),
so the headers are sent exactly as configured."""
from __future__ import annotations

import logging
import re
import threading
import time

import requests

log = logging.getLogger(__name__)
PLACEHOLDER = re.compile(r"\{\{\s*([\w .-]+?)\s*\}\}")
TIMEOUT_SECONDS = 10


def render(template, values: dict[str, str]):
    """The body with every {{name}} in its strings replaced (unknown names become "")."""
    if isinstance(template, str):
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1).strip(), "") or ""),
                               template)
    if isinstance(template, dict):
        return {k: render(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, values) for v in template]
    return template


def check(spec: dict) -> dict:
    """A stored external request: {url, headers, body, delay_seconds}; ValueError if unusable."""
    url = str(spec.get("url") or "")
    if not url.startswith(("http://", "https://")):
        raise ValueError("url must be an http(s) URL")
    headers = spec.get("headers") or {}
    if not isinstance(headers, dict) or not isinstance(spec.get("body") or {}, dict):
        raise ValueError("headers and body must be JSON objects")
    return {"url": url, "headers": {str(k): str(v) for k, v in headers.items()},
            "body": spec.get("body") or {}, "delay_seconds": float(spec.get("delay_seconds")
                                                                   or 0)}


def fire_later(spec: dict, values: dict[str, str], run: dict) -> threading.Thread:
    """Send the request in the background after its delay; the outcome lands in run["reply"]."""

    def send():
        time.sleep(spec["delay_seconds"])
        try:
            answer = requests.post(spec["url"], json=render(spec["body"], values),
                                   headers=spec["headers"], timeout=TIMEOUT_SECONDS)
            run["reply"] = {"status": answer.status_code, "body": answer.text[:500]}
        except requests.RequestException as exc:
            run["reply"] = {"status": None, "error": type(exc).__name__}
            log.warning("external request to %s failed: %s", spec["url"], type(exc).__name__)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread
