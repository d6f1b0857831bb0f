"""Local stand-in for the Ecomdrop API (see server.py for the routes and answer shapes)."""
from standins.ecomdrop.server import (
    DEMO_API_KEY,
    EcomdropStandInConfig,
    create_ecomdrop_stand_in,
)

__all__ = ["DEMO_API_KEY", "EcomdropStandInConfig", "create_ecomdrop_stand_in"]
