"""Settings gunicorn serves ``python -m bench api`` with: the site's own, with bench/api_urls.py
as the URL conf (the site's URLs plus the baseline view), so both endpoints go through
the same settings, middleware and gunicorn workers."""
from polyglot_site.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.api_urls"
