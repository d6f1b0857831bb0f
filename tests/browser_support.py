"""What the end-to-end and browser tests share: the three stand-ins plus the real app (and its
job worker) over HTTP, installing a shop the way the admin does, connecting it to Dropi and
Ecomdrop with `python -m standins demo-connect`'s service, Debian's Chromium through Playwright, and
screenshots under test-output/.

    from tests.browser_support import chromium_browser, running_stack, screenshot

    with running_stack(tmp_path) as stack:
        stack.install(SHOP)                # opens the app from the simulated admin
        stack.connect(SHOP)                # Dropi CO + Ecomdrop demo account + locations
        with chromium_browser() as browser:
            page = new_admin_page(browser)
            page.goto(stack.shopify.admin_url(SHOP, "/settings"))
            screenshot(page, "settings")
"""
from __future__ import annotations

import html
import re
import shutil
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
import requests

from app.config import PROJECT_ROOT
from tests.live_standins import (
    RunningApp,
    ShopifyStandInHandle,
    ServerThread,
    running_app,
    running_dropi_stand_in,
    running_ecomdrop_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
)
from tests.support import BROWSER_USER_AGENT

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT_DIR = PROJECT_ROOT / "test-output"
IFRAME_SRC = re.compile(r'id="app-iframe"[^>]*\ssrc="([^"]+)"')


@dataclass
class Stack:
    """The running stand-ins and app; `install` and `connect` set a shop up like a merchant."""

    shopify: ShopifyStandInHandle
    dropi: ServerThread
    ecomdrop: ServerThread
    app: RunningApp
    _dropi_tokens: dict[str, str] = field(default_factory=dict)

    def iframe_url(self, shop: str, path: str = "", user: int | None = None) -> str:
        """The URL the simulated admin loads in its iframe (signed, with a fresh id_token)."""
        query = f"?user={user}" if user else ""
        page = requests.get(self.shopify.admin_url(shop, path) + query, timeout=10)
        page.raise_for_status()
        return html.unescape(IFRAME_SRC.search(page.text).group(1))

    def install(self, shop: str, path: str = "") -> requests.Response:
        """Open the app from the admin (the first load installs it by token exchange)."""
        response = self.app.get(self.iframe_url(shop, path), timeout=30)
        assert response.status_code == 200, response.text[:500]
        return response

    def dropi_token(self, country: str = "CO", shop: str = "") -> str:
        """A Dropi integration token of `country` that lists this app's address, as the demo's
        token lists `make run`'s (so no "address not allowed" notice). Each shop gets its own,
        as each merchant has theirs (the client paces requests per token)."""
        key = f"{country}:{shop}"
        if key not in self._dropi_tokens:
            issued = requests.post(f"{self.dropi.url}/standin/tokens", timeout=5, json={
                "country": country, "store_name": f"Tienda Demo {country}",
                "allowed_urls": [self.app.url]})
            issued.raise_for_status()
            self._dropi_tokens[key] = issued.json()["token"]
        return self._dropi_tokens[key]

    def connect(self, shop: str, country: str = "CO"):
        """What `python -m standins demo-connect` does: Ecomdrop, Dropi, flows, locations, active."""
        from standins.demo import connect_demo_shop
        from app.extensions import cache
        from standins.ecomdrop import DEMO_API_KEY
        from app.services.settings import IntegrationClients

        with self.app.app.app_context():
            return connect_demo_shop(
                IntegrationClients(self.app.settings), shop, dropi_country=country,
                dropi_token=self.dropi_token(country, shop), ecomdrop_key=DEMO_API_KEY,
                cache=cache)

    def token_stats(self, shop: str) -> dict:
        stats = requests.get(f"{self.shopify.url}/standin/tokens", timeout=5).json()
        return stats["shops"].get(shop, {})


@contextmanager
def running_stack(instance_path: Path, *, worker: bool = True, shopify=None,
                  **shopify_overrides) -> Iterator[Stack]:
    """Shopify, Dropi and Ecomdrop stand-ins and the real app (with its worker) over HTTP.
    Pass `shopify` to reuse a running Shopify stand-in (its shops and buckets)."""
    with ExitStack() as stack:
        if shopify is None:
            shopify = stack.enter_context(running_shopify_stand_in(**shopify_overrides))
        dropi = stack.enter_context(running_dropi_stand_in())
        ecomdrop = stack.enter_context(running_ecomdrop_stand_in())
        settings = stand_in_settings(instance_path, shopify=shopify, dropi=dropi,
                                     ecomdrop=ecomdrop)
        app = stack.enter_context(running_app(settings, shopify=shopify, worker=worker))
        yield Stack(shopify, dropi, ecomdrop, app)


# -- Chromium --------------------------------------------------------------------------------
def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@contextmanager
def chromium_browser():
    """Debian's Chromium driven by Playwright; skips the test, saying why, when it cannot run."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed: `make test` installs Debian's chromium")
    with playwright_api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except playwright_api.Error as exc:
            pytest.skip(f"Chromium could not be launched: {exc.message.splitlines()[0]}")
        try:
            yield browser
        finally:
            browser.close()


def new_admin_page(browser, *, width: int = 1280, height: int = 900, timeout_ms: int = 15_000):
    """A page in a fresh context with an ordinary desktop user agent (the app answers 410 to
    "HeadlessChrome", as Shopify's libraries do to crawlers)."""
    context = browser.new_context(user_agent=BROWSER_USER_AGENT,
                                  viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    return page


def screenshot(page, name: str, *, iframe: str | None = "#app-iframe") -> Path:
    """Save a full-page PNG as test-output/<name>.png and return its path. The admin's app
    iframe (when there is one) is first stretched to its page's height, so the whole app page
    is in the picture and not only what fits in the window."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    frame = page.frame(name="app-iframe") if iframe else None
    if frame is not None:
        height = frame.evaluate("document.documentElement.scrollHeight")
        page.evaluate(_STRETCH, {"selector": iframe, "height": height})
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        if frame is not None:
            page.evaluate(_STRETCH, {"selector": iframe, "height": None})
    return path


# The simulated admin sizes its layout to the window; a taller iframe needs both released.
_STRETCH = """({selector, height}) => {
  const frame = document.querySelector(selector);
  if (!frame) { return; }
  frame.style.height = height ? height + "px" : "";
  frame.style.flex = height ? "none" : "";
  for (const box of [document.querySelector(".layout"), document.body, document.documentElement]) {
    if (box) { box.style.height = height ? "auto" : ""; }
  }
}"""
