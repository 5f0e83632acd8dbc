"""WSGI entry point, served by gunicorn in the Docker image."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polyglot_site.settings")

application = get_wsgi_application()
