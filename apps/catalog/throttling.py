"""How often anonymous clients may ask for suggestions (one request per pause in typing)."""
from rest_framework.throttling import AnonRateThrottle


class SuggestAnonThrottle(AnonRateThrottle):
    """Anonymous clients' suggest requests, per address (the ``suggest_anon`` rate)."""

    scope = "suggest_anon"
