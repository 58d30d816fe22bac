from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "dudao.registry"
    label = "registry"
    verbose_name = "登记管理"
