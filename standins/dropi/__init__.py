"""Local Dropi integrations API (all countries on one port); see server.py."""
from standins.dropi.server import DropiStandIn, DropiStandInConfig, create_dropi_stand_in

__all__ = ["DropiStandIn", "DropiStandInConfig", "create_dropi_stand_in"]
