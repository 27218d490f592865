from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # The OpenAPI extension for the JWT authentication class, and the
        # receivers that make every process read the plans again on a change.
        from . import signals  # noqa: F401
        from .api import schema  # noqa: F401
