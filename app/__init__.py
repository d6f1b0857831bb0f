"""The Dropi + Ecomdrop connector: an embedded Shopify app."""
from __future__ import annotations

from flask import Flask

from app.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Application factory: config, logging, extensions, blueprints, error handlers, CLI."""
    from app.factory import build_app  # lazy: every `import app.x` runs this file; keep it light

    return build_app(settings or Settings.from_env())
