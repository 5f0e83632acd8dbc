"""manage.py projections status | rebuild NAME | replay --since SEQ | reconcile [--repair] | redrive | sweep"""
import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.sync import maintenance, redrive, relay
from apps.sync.lag import projection_lag
from apps.sync.models import Delivery
from apps.sync.projectors import registry


class Command(BaseCommand):
    help = "Look after the projections: their lag, rebuilds, replays, drift and dead letters."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="lag and dead letters per projection")
        status.add_argument("--json", action="store_true", help="print JSON instead of a table")
        rebuild = sub.add_parser("rebuild", help="rewrite a projection from its home")
        rebuild.add_argument("name", help="the projection, e.g. catalog.product.search")
        replay = sub.add_parser("replay", help="re-apply the newest event of every aggregate changed since SEQ")
        replay.add_argument("--since", type=int, required=True, metavar="SEQ")
        replay.add_argument("--projection", help="only this projection")
        reconcile = sub.add_parser("reconcile", help="compare homes with projections and report drift")
        reconcile.add_argument("--repair", action="store_true", help="also fix the drift")
        reconcile.add_argument("--projection", help="only this projection")
        redrive = sub.add_parser("redrive", help="queue dead (and failed) deliveries again")
        redrive.add_argument("--projection", help="only this projection")
        sub.add_parser("sweep", help="deliver what is due now, as the periodic sweeper does")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except ValueError as error:
            raise CommandError(str(error)) from error

    def progress(self, total=None, what="records"):
        bar = tqdm(total=total, unit=f" {what}", file=self.stderr, disable=None)
        return bar

    def do_status(self, json=False, **options):
        lag = projection_lag()
        if json:
            self.stdout.write(_dumps(lag))
            return
        self.stdout.write(f"{'projection':40} {'pending':>8} {'failed':>7} {'dead':>5} {'oldest':>9}")
        for name, entry in sorted(lag.items()):
            self.stdout.write(
                f"{name:40} {entry['pending']:>8} {entry['failed']:>7} {entry['dead']:>5} "
                f"{entry['oldest_undelivered_seconds']:>8.1f}s"
            )

    def do_rebuild(self, name, **options):
        projector = maintenance.projector_named(name)
        total = projector.home.count()
        with self.progress(total) as bar:
            written = maintenance.rebuild(projector, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"{name}: rebuilt from {written} records."))

    def do_replay(self, since, projection=None, **options):
        with self.progress(what="aggregates") as bar:
            applied = maintenance.replay(since, projection, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"Replayed {applied} states from sequence {since}."))

    def do_reconcile(self, repair=False, projection=None, **options):
        projectors = [maintenance.projector_named(projection)] if projection else registry.all()
        drifted = 0
        for projector in projectors:
            with self.progress(what="drifted") as bar:
                drift = maintenance.reconcile(projector, repair=repair, progress=bar.update)
            verdict = "in agreement" if drift.clean else drift.summary() + (" (repaired)" if repair else "")
            if drift.skipped:
                verdict = getattr(projector, "unreconciled_because", "keeps nothing to compare (a cache); rebuild empties it")
            drifted += 0 if drift.clean else 1
            self.stdout.write(f"{projector.name}: {drift.checked} checked, {verdict}")
        if drifted and not repair:
            raise CommandError(f"{drifted} projection(s) drifted; run again with --repair to fix them.")

    def do_redrive(self, projection=None, **options):
        deliveries = Delivery.objects.all()
        if projection:
            maintenance.projector_named(projection)
            deliveries = deliveries.filter(projection=projection)
        self.stdout.write(self.style.SUCCESS(f"{redrive.redrive(deliveries)} deliveries queued again."))

    def do_sweep(self, **options):
        self.stdout.write(f"{relay.sweep()} deliveries run.")


def _dumps(value):
    return json.dumps(value, indent=2, sort_keys=True)
