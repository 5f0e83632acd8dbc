"""manage.py search_index rebuild|update|clear [--model app_label.Model] [--chunk-size N]

Works on every search index a registered SearchIndexProjector keeps, or on
the one(s) projected from ``--model``:

- rebuild: read every record's state at its home, build a new index aside
  from the projector's documents and swap it in when complete (searches go
  on meanwhile; see SearchBackend.rebuild);
- update: write every record's document into the current index, in chunks;
- clear: empty the index.
"""
import argparse

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.stores import stores
from apps.stores.exceptions import StoreError
from apps.stores.search.base import batches
from apps.sync.projectors import SearchIndexProjector, registry


def chunk_size(value):
    try:
        size = int(value)
    except ValueError:
        size = 0
    if size < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 1.")
    return size


class ProgressStream:
    """A management command's stream as tqdm needs it: written as is, without a line ending added."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text):
        self.wrapper.write(text, ending="")

    def flush(self):
        self.wrapper.flush()

    def isatty(self):
        return self.wrapper.isatty()


class Command(BaseCommand):
    help = "Rebuild, update or clear search indexes from their homes, through their projectors."

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            choices=["rebuild", "update", "clear"],
            help="rebuild: build aside and swap in; update: rewrite every document in place; clear: empty",
        )
        parser.add_argument("--model", metavar="app_label.Model", help="only the index(es) of this model")
        parser.add_argument(
            "--chunk-size", type=chunk_size, default=500, metavar="N", help="records read and written at a time"
        )

    def handle(self, *args, action, model=None, chunk_size=500, **options):
        for projector in self.projectors(model):
            search = stores[projector.alias]
            try:
                message = getattr(self, action)(projector, search, chunk_size)
            except StoreError as error:
                raise CommandError(f"{projector.index}: {error}") from error
            self.stdout.write(self.style.SUCCESS(f"{projector.index}: {message} ({projector.name})."))

    def projectors(self, label):
        projectors = [p for p in registry.all() if isinstance(p, SearchIndexProjector)]
        if label is None:
            if not projectors:
                raise CommandError("No search index projector is registered.")
            return projectors
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            raise CommandError(
                f"Unknown model {label!r}; give it as app_label.Model, e.g. {self.example(projectors)}."
            ) from None
        chosen = [p for p in projectors if getattr(p.home, "model", None) is model]
        if not chosen:
            raise CommandError(
                f"No search index is projected from {model._meta.label}; "
                f"indexed models: {self.example(projectors)}."
            )
        return chosen

    @staticmethod
    def example(projectors):
        labels = sorted({p.home.model._meta.label for p in projectors if getattr(p.home, "model", None)})
        return ", ".join(labels) or "none"

    def documents(self, projector, chunk_size, bar):
        for chunk in batches(projector.home_states(chunk_size=chunk_size), chunk_size):
            bar.update(len(chunk))
            yield from projector.contents([state for state in chunk if state.type != "deleted"])

    def progress(self, projector):
        total = projector.home.count()
        return tqdm(
            total=total, desc=projector.index, unit=" records", file=ProgressStream(self.stderr), disable=None
        )

    def rebuild(self, projector, search, chunk_size):
        with self.progress(projector) as bar:
            documents = self.documents(projector, chunk_size, bar)
            built = search.rebuild(projector.index, documents, batch_size=chunk_size)
        return f"rebuilt with {built} documents"

    def update(self, projector, search, chunk_size):
        search.ensure_index(projector.index)
        written = 0
        with self.progress(projector) as bar:
            for batch in batches(self.documents(projector, chunk_size, bar), chunk_size):
                search.index_documents(projector.index, batch)
                written += len(batch)
        return f"updated {written} documents"

    def clear(self, projector, search, chunk_size):
        search.clear(projector.index)
        return "cleared"
