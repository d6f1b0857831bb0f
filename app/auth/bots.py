"""Crawlers get 410 Gone from the embedded app and OAuth pages, as Shopify's libraries answer.

Shopify's own POS and Mobile apps are exempt. Headless browsers count as crawlers, so browser
tests must send an ordinary browser user agent.
"""
from __future__ import annotations

import re
import threading

from crawlerdetect import CrawlerDetect

SHOPIFY_APP_AGENTS = re.compile(r"Shopify POS/|Shopify Mobile/")

_detector: CrawlerDetect | None = None
_detector_lock = threading.Lock()


def is_bot(user_agent: str | None) -> bool:
    """True when `user_agent` belongs to a crawler (Shopify POS/Mobile never are)."""
    if not user_agent or SHOPIFY_APP_AGENTS.search(user_agent):
        return False
    return _crawler_detect().is_crawler(user_agent)


def _crawler_detect() -> CrawlerDetect:
    global _detector
    with _detector_lock:
        if _detector is None:
            _detector = CrawlerDetect()
        return _detector
