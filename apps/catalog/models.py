import posixpath

from django.core.files.base import ContentFile
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils.functional import cached_property

from apps.stores.images import prepare_image, thumbnail_name
from apps.stores.search import index
from apps.sync.outboxed import AnnouncesParent, OutboxedModel

from .attributes import check_schema, labelled, product_document
from .managers import ProductQuerySet
from .pictures import THUMBNAIL_SIZES, blob_names, document_entry, picture_storage, picture_upload_to
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
    outbox_prefetch_related = ("category", "images")
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

    def pictures(self):
        """The product's pictures as the product document holds them ({url, large, small, alt}), from SQL."""
        return [image.urls() for image in self.images.all()]
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
            "images": [image.payload() for image in self.images.all()],
        }


class ProductImage(AnnouncesParent):
    """A picture of a product. Its blobs (the original and its thumbnails) live in the
    "images" storage; this row orders them and names them, and saving or deleting it
    announces the product, whose document carries the pictures' URLs."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(storage=picture_storage, upload_to=picture_upload_to, max_length=200)
    alt_text = models.CharField(max_length=200, blank=True, help_text="What the picture shows, for screen readers.")
    position = models.PositiveSmallIntegerField(default=0)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)

    outbox_parent = "product"

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.alt_text or posixpath.basename(self.image.name)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_name = instance.__dict__.get("image")
        return instance

    def save(self, *args, **kwargs):
        """Writes the picture's blobs first, then the row; if the row cannot be written, the
        blobs just written are deleted again. A replaced picture's blobs go once committed."""
        new_upload = bool(self.image) and not self.image._committed
        previous = getattr(self, "_stored_name", None)
        if not new_upload:
            return super().save(*args, **kwargs)
        prepared = getattr(self, "prepared", None) or prepare_image(self.image, THUMBNAIL_SIZES.values())
        self.prepared, self.width, self.height = prepared, prepared.width, prepared.height
        storage = self.image.storage
        written = []
        try:
            with transaction.atomic():
                self.image.save(self.image.name, self.image.file, save=False)
                written.append(self.image.name)
                for size, data in prepared.thumbnails.items():
                    written.append(storage.save(thumbnail_name(self.image.name, size), ContentFile(data)))
                super().save(*args, **kwargs)
        except BaseException:
            for name in written:
                storage.delete(name)
            raise
        self._stored_name = self.image.name
        if previous and str(previous) != self.image.name:
            delete_picture_blobs_on_commit(storage, str(previous))

    save.alters_data = True

    def payload(self):
        """What the product's outbox event says of this picture (the document maps it to URLs)."""
        return {"name": self.image.name, "alt": self.alt_text, "width": self.width, "height": self.height}

    def urls(self):
        """The picture's entry as the product document holds it, read from SQL."""
        return document_entry(self.payload())


def delete_picture_blobs_on_commit(storage, name, using=None):
    """A picture's blobs are deleted once the row's deletion (or replacement) is committed:
    a rolled-back change keeps pictures that its rows still name."""

    def delete():
        for blob in blob_names(name):
            storage.delete(blob)

    transaction.on_commit(delete, using=using)


def delete_image_blobs(sender, instance, using, **kwargs):
    """post_delete of a ProductImage (connected in apps.py): its blobs go once the deletion is committed."""
    if instance.image:
        delete_picture_blobs_on_commit(instance.image.storage, instance.image.name, using=using)
