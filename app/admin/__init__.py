"""One blueprint per area of the embedded admin."""
from __future__ import annotations

from flask import Flask


def register_admin_blueprints(app: Flask) -> None:
    pass
