from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "dudao.common"
    label = "common"
    verbose_name = "公共"

    def ready(self) -> None:
        from . import (
            admin_chinese,
            checks,  # noqa: F401 - registers the audit-key system checks
        )

        admin_chinese.apply()
