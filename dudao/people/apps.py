from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "dudao.people"
    label = "people"
    verbose_name = "人员管理"

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - registers the rules permissions
