from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from apps.catalog.demo import CATALOGUE
from apps.catalog.models import Category, Product
from apps.catalog.services import unique_slug


class Command(BaseCommand):
    help = "Load the demo catalogue (safe to run again: existing SKUs are left as they are)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Also create the superuser admin/admin when there is no superuser (local demos only).",
        )

    def handle(self, *args, admin=False, **options):
        if admin:
            self.create_demo_admin()
        created = 0
        for category_name, items in CATALOGUE.items():
            category, _ = Category.objects.get_or_create(
                slug=slugify(category_name), defaults={"name": category_name}
            )
            for number, (name, price, description) in enumerate(items, start=1):
                sku = f"{category.slug[:4].upper()}-{number:03d}"
                if Product.objects.filter(sku=sku).exists():
                    continue
                with transaction.atomic():
                    Product(
                        sku=sku,
                        name=name,
                        slug=unique_slug(name),
                        description=description,
                        category=category,
                        price=price,
                    ).save()
                created += 1
        total = Product.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Demo catalogue: {created} products added, {total} in all."))

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
