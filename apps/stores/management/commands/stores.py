from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from apps.stores import stores
from apps.stores.exceptions import Unavailable
from apps.stores.health import store_health
from apps.stores.documents import declared_containers
from apps.stores.search import declared_indexes


class Command(BaseCommand):
    help = ("Work with the configured stores. 'init' creates every declared container and index, and the "
            "blob containers of the file storages; 'check' asks each store one cheap read, as /health/ready "
            "does, and fails when a required one (HEALTH_REQUIRED_STORES) is down.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["init", "show", "check"],
                            help="init: create what is missing; show: list backends; check: is each store up")

    def handle(self, *args, action, **options):
        if action == "check":
            return self.check_stores()
        if action == "show":
            for alias in stores:
                self.stdout.write(f"{alias}: {type(stores[alias]).__module__}.{type(stores[alias]).__name__}")
            return
        try:
            for name in declared_containers():
                stores["documents"].ensure_container(name)
                self.stdout.write(f"documents: container {name} ready")
            for name in declared_indexes():
                try:
                    stores["search"].ensure_index(name)
                except Unavailable as error:
                    # Built from an older definition of the index: its home can rebuild it.
                    self.stderr.write(self.style.WARNING(f"search: index {name}: {error}"))
                    continue
                self.stdout.write(f"search: index {name} ready")
            for alias, container in blob_containers():
                self.stdout.write(f"files: {alias} storage's container {container} ready")
        except Exception as error:
            raise CommandError(f"Could not initialise the stores: {error}") from error
        self.stdout.write(self.style.SUCCESS("Stores ready."))

    def check_stores(self):
        report = store_health()
        for store in report:
            line = describe_health(store)
            self.stdout.write(self.style.SUCCESS(line) if store.up else self.style.ERROR(line))
        down = [store.alias for store in report if store.required and not store.up]
        if down:
            raise CommandError(f"Required store(s) down: {', '.join(down)}.")


def describe_health(store):
    latency = "no answer" if store.latency_ms is None else f"{store.latency_ms:.1f} ms"
    state = "up" if store.up else f"DOWN ({store.error})"
    return f"{store.alias}: {state}, {latency}, {store.backend}{', required' if store.required else ''}"


def blob_containers():
    """Create the container of each STORAGES alias kept in Azure Blob Storage; yields (alias, container)."""
    for alias in storages.backends:
        storage = storages[alias]
        client = getattr(storage, "client", None)  # django-storages' AzureStorage: a ContainerClient
        if client is None or not hasattr(client, "create_container"):
            continue
        if not client.exists():
            client.create_container()
        yield alias, client.container_name
