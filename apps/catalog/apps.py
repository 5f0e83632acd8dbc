from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from django.db.models.signals import post_delete

        from apps.stores.documents import declare_container
        from apps.stores.search import declare_index, definition_for_model
        from apps.sync.projectors import registry

        from . import document_projections
        from .models import Product, ProductImage, delete_image_blobs
        from .projections import ProductCacheProjector, ProductDocumentProjector, ProductSearchProjector

        declare_container(Product.document_container, partition_key="/category")
        declare_index(definition_for_model(Product))
        registry.register(ProductDocumentProjector())
        registry.register(ProductSearchProjector())
        registry.register(ProductCacheProjector())
        post_delete.connect(delete_image_blobs, sender=ProductImage, dispatch_uid="catalog.delete_image_blobs")
        document_projections.register()

