"""Signals the catalogue sends for other apps to join in."""
from django.dispatch import Signal

#: Sent by ``manage.py seed_demo`` once the demo's products and shoppers exist, with
#: ``shoppers`` (the demo's users). A receiver adds its own demo records (orders, say)
#: and returns a short line for the command to print, or None.
demo_seeded = Signal()
