"""One client module per external API (Shopify, Dropi, Ecomdrop) plus shared HTTP helpers."""
