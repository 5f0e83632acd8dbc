"""Orders: carts, orders and the checkout saga (built in a later issue)."""
