from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "dudao.registry"
    label = "registry"
    verbose_name = "登记管理"

    def ready(self) -> None:
        # Register the rules permissions (templates and admin call user.has_perm("registry.…")).
        from . import permissions  # noqa: F401
