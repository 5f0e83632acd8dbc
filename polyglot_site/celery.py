"""The Celery app, configured from Django settings under the CELERY_ namespace.

Worker: celery -A polyglot_site worker --loglevel=info
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polyglot_site.settings")

app = Celery("polyglot_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
