from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from apps.stores.documents import declare_container
        from apps.stores.search import declare_index, definition_for_model
        from apps.sync.projectors import registry

        from .models import Product
        from .projections import ProductCacheProjector, ProductDocumentProjector, ProductSearchProjector

        declare_container(Product.document_container, partition_key="/category")
        declare_index(definition_for_model(Product))
        registry.register(ProductDocumentProjector())
        registry.register(ProductSearchProjector())
        registry.register(ProductCacheProjector())
