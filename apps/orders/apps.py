from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from apps.catalog.signals import demo_seeded

        from apps.stores.documents import declare_container
        from apps.stores.search import declare_index, definition_for_model
        from apps.sync import sagas
        from apps.sync.projectors import registry

        from . import cart, demo, projections
        from .checkout import CHECKOUT
        from .models import Order

        declare_container(cart.CONTAINER, partition_key="/user")
        declare_container(Order.document_container, partition_key="/user", indexes=("seq", "status"))
        declare_index(definition_for_model(Order))
        projections.register(registry)
        sagas.register(CHECKOUT)
        user_logged_in.connect(cart.merge_session_cart, dispatch_uid="orders.merge_session_cart")
        demo_seeded.connect(demo.seed_orders, dispatch_uid="orders.seed_orders")
