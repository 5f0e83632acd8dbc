import logging
import sys
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.catalog import demo
from apps.catalog.models import Product
from apps.catalog.signals import demo_seeded


class Command(BaseCommand):
    help = ("Load the demo shop: products with pictures drawn here, attributes, stock and reviews, in 8 "
            "categories, and shoppers (safe to run again: what exists is left as it is). In a large catalogue "
            f"only the first {demo.DOCUMENT_PARTS_LIMIT:,} products get attributes and reviews; every product "
            "gets its stock.")

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=demo.DEFAULT_PRODUCTS,
                            help=f"How many products (default {demo.DEFAULT_PRODUCTS}; e.g. 100000 for benchmarks: "
                                 f"past the first {demo.DOCUMENT_PARTS_LIMIT:,}, no attributes or reviews, so it "
                                 "stays quick).")
        parser.add_argument("--shoppers", type=int, default=demo.DEFAULT_SHOPPERS,
                            help=f"How many shopper accounts (default {demo.DEFAULT_SHOPPERS}).")
        parser.add_argument("--no-pictures", dest="pictures", action="store_false",
                            help="Products without pictures (faster, for benchmarks that do not show them).")
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Also create the superuser admin/admin when there is no superuser (local demos only).",
        )

    def handle(self, *args, admin=False, products, shoppers, pictures, **options):
        if admin:
            self.create_demo_admin()
        if products < 0 or shoppers < 0:
            raise CommandError("--products and --shoppers take a number of 0 or more.")
        people = demo.seed_shoppers(shoppers)
        # The bar goes to stderr, so output piped elsewhere stays plain.
        with quiet_tasks(), tqdm(total=products, desc="Demo products", unit="product", file=sys.stderr,
                                 mininterval=0.5, disable=options["verbosity"] < 1) as bar:
            created = demo.seed_catalogue(products, pictures=pictures, shoppers=people, progress=bar.update)
        total = Product.objects.count()
        self.stdout.write(self.style.SUCCESS(
            f"Demo shop: {created} products added, {total} in all; {len(people)} shoppers."))
        with quiet_tasks():
            answers = demo_seeded.send(sender=self.__class__, shoppers=people)
        for _receiver, line in answers:
            if line:
                self.stdout.write(self.style.SUCCESS(line))

    def create_demo_admin(self):
        if settings.POLYGLOT_PROFILE != "embedded" or not settings.DEBUG or not settings.SERVES_ONLY_THIS_MACHINE:
            raise CommandError(
                "--admin (admin/admin) is for the local embedded demo only: DEBUG on and no public host name. "
                "Use createsuperuser elsewhere."
            )
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return
        User.objects.create_superuser("admin", "admin@example.com", "admin")
        self.stdout.write("Demo superuser: admin / admin (for this laptop only).")


@contextmanager
def quiet_tasks():
    """Where tasks run in-process (embedded), each delivery logs a line at INFO: thousands
    of them while seeding, which would bury the progress bar (and fill a pipe nobody reads)."""
    logger = logging.getLogger("celery.app.trace")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)
