from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils.functional import cached_property

from apps.stores.search import index
from apps.sync.outboxed import OutboxedModel

from .attributes import check_schema, labelled, product_document
from .managers import ProductQuerySet
from .reviews import Review
from .search import SearchDescriptor
from .stock import Stock


DESCRIPTION_MAX_LENGTH = 10_000


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    #: The JSON Schema of its products' attributes (apps.catalog.attributes), {} for none.
    attribute_schema = models.JSONField(default=dict, blank=True, validators=[check_schema])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """Products carry their category's name and slug into their projections, so a
        rename announces each of its products, in the same transaction."""
        with transaction.atomic():
            renamed = (
                self.pk is not None
                and type(self).objects.filter(pk=self.pk).exclude(name=self.name, slug=self.slug).exists()
            )
            super().save(*args, **kwargs)
            if renamed:
                for product in Product._base_manager.filter(category=self).select_related("category").iterator():
                    product.announce()

    save.alters_data = True


class Product(OutboxedModel):
    """The product core. Its home is SQL; the product document and the
    search entry are projections kept in step through the outbox."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    sku = models.CharField("SKU", max_length=32, unique=True)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)])
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()
    #: The products index: Product.search.query("lamp").filter(category="lighting").facets("category")
    search = SearchDescriptor()

    outbox_aggregate_type = "catalog.product"
    document_container = "products"
    search_index_name = "products"
    search_fields = [
        index.SearchField("name", boost=3.0),
        index.AutocompleteField("name"),
        index.SearchField("description"),
        index.SearchField("sku", boost=2.0),
        index.FilterField("category", facet=True),
        index.FilterField("status", facet=True),
        index.FilterField("price", sortable=True),
        index.FilterField("created_at", sortable=True),
        # The source version, so reconcile can compare the index with SQL.
        index.FilterField("version"),
        # The id again, as a filter: the products index answers "this product's entry" with it.
        index.FilterField("pk", type="keyword"),
        # Projected from the document store (reviews and stock), merged with the core fields above.
        index.FilterField("rating", type="float", facet=True, sortable=True),
        index.FilterField("review_count", type="int", sortable=True),
        index.FilterField("in_stock", type="bool", facet=True),
    ]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_not_negative"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:product-detail", kwargs={"slug": self.slug})

    @cached_property
    def document(self):
        """The product document: the core fields projected from SQL, and the attributes whose home it is."""
        return product_document(self)

    @property
    def attributes(self):
        return (self.document or {}).get("attributes", {})

    @property
    def attribute_rows(self):
        """(label, value) pairs of the attributes, in the category schema's order."""
        return labelled(self.category.attribute_schema, self.attributes)

    @property
    def reviews(self):
        return Review.objects.filter(product=self)

    @cached_property
    def rating_summary(self):
        """(average rating or None, review count), read from the reviews."""
        return Review.objects.summary(self)

    @property
    def rating(self):
        return self.rating_summary[0]

    @property
    def review_count(self):
        return self.rating_summary[1]

    @cached_property
    def stock(self):
        """The product's Stock, or None if none is kept."""
        return Stock.objects.get_or_none(product=self)

    @property
    def in_stock(self):
        return self.stock is not None and self.stock.in_stock

    def outbox_payload(self):
        return {
            "id": str(self.pk),
            "sku": self.sku,
            "name": self.name,
            "slug": self.slug,
            "description": self.description,
            "category": self.category.slug,
            "category_name": self.category.name,
            "price": str(self.price),
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }
