"""Local stand-ins for Shopify, Dropi and Ecomdrop that speak their real protocols over HTTP."""
