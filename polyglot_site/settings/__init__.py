"""Settings: the common base, then the profile chosen by POLYGLOT_PROFILE.

embedded (default) needs no server; services uses the local servers of the
test machine; azure reads every endpoint and secret from the environment.
"""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import POLYGLOT_PROFILE

if POLYGLOT_PROFILE == "embedded":
    from .embedded import *  # noqa: F401,F403
elif POLYGLOT_PROFILE == "services":
    from .services import *  # noqa: F401,F403
elif POLYGLOT_PROFILE == "azure":
    from .azure import *  # noqa: F401,F403
else:
    raise ImproperlyConfigured(
        f"POLYGLOT_PROFILE={POLYGLOT_PROFILE!r} is not a profile; "
        "choose embedded, services or azure."
    )
