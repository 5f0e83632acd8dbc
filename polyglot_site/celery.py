"""The Celery app, configured from Django settings under the CELERY_ namespace.

Worker: celery -A polyglot_site worker --loglevel=info
"""
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polyglot_site.settings")

app = Celery("polyglot_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender=None, **kwargs):
    """Around each task, what Django does around each request: close a connection that broke
    or outlived CONN_MAX_AGE, and check the others before their next use (CONN_HEALTH_CHECKS).

    Celery's own Django fixup closes every connection after every task unless
    CELERY_DB_REUSE_MAX is set (settings/base.py sets it), which made a worker open a
    database session per relay task. Tasks run in the caller's process (eager) are the
    caller's business, as Celery's fixup leaves them too.
    """
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()
