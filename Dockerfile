# The app image: gunicorn serving the site. The same image runs a Celery worker
# with the periodic sweeper (beat) in the same process:
#   docker run IMAGE celery -A polyglot_site worker --beat --schedule /app/var/celerybeat-schedule --loglevel=info
# With several worker containers, give exactly one of them --beat (or run
# `celery -A polyglot_site beat` in a container of its own).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    POLYGLOT_PROFILE=azure \
    POLYGLOT_DATA_DIR=/app/var

# unixODBC and Microsoft's ODBC driver are needed by mssql-django for Azure SQL;
# install msodbcsql18 from Microsoft's repository in your build if your base lacks it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends unixodbc \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/ requirements/
RUN pip install -r requirements/base.txt

COPY . .
# collectstatic reads settings but no service: the embedded profile suffices here.
RUN POLYGLOT_PROFILE=embedded DJANGO_STATIC_MANIFEST=true python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 app && mkdir -p /app/var && chown -R app /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "polyglot_site.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
