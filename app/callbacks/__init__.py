"""Endpoints other services call back: the customer's answer from Ecomdrop flows."""
