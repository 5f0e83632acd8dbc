from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from apps.stores import stores
from apps.stores.exceptions import Unavailable
from apps.stores.documents import declared_containers
from apps.stores.search import declared_indexes


class Command(BaseCommand):
    help = ("Work with the configured stores. 'init' creates every declared container and index, and the "
            "blob containers of the file storages.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["init", "show"], help="init: create what is missing; show: list backends")

    def handle(self, *args, action, **options):
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
