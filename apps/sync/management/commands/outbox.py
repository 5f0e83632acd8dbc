"""manage.py outbox prune [--older-than SECONDS] [--batch-size N]"""
import argparse
import math
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from apps.sync import retention

from .search_index import chunk_size


def seconds(value):
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from 0.")
    return number


class Command(BaseCommand):
    help = "Look after the outbox table: delete events delivered everywhere once they are old."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        prune = sub.add_parser(
            "prune", help="delete events older than the retention whose every delivery is done, with their deliveries",
        )
        prune.add_argument("--older-than", type=seconds, metavar="SECONDS",
                           help="instead of SYNC_OUTBOX_RETENTION_SECONDS")
        prune.add_argument("--batch-size", type=chunk_size, metavar="N",
                           help="events looked at per transaction, instead of SYNC_OUTBOX_PRUNE_BATCH")

    def handle(self, *args, action, older_than=None, batch_size=None, **options):
        try:
            cutoff = retention.retention_cutoff() if older_than is None else timezone.now() - timedelta(seconds=older_than)
            with tqdm(unit=" events", file=self.stderr, disable=None) as bar:
                pruned = retention.prune(cutoff=cutoff, batch_size=batch_size,
                                         on_batch=lambda batch: bar.update(batch.examined))
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(
            f"Deleted {pruned.events} events and {pruned.deliveries} deliveries created before {cutoff:%Y-%m-%d %H:%M:%S %Z}."
        ))
        if pruned.kept:
            self.stdout.write(
                f"Kept {pruned.kept} older events that sync still needs: a delivery not done yet "
                "(see `manage.py projections status`), or an earlier event of the same record that has one."
            )
