"""The Shopify stand-in: Admin GraphQL, OAuth, the simulated admin and webhook delivery."""
