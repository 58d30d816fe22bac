from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    name = "dudao.archives"
    label = "archives"
    verbose_name = "档案"

    def ready(self) -> None:
        # FORM-B B8 hints on evaluations (scorecards keeps the registry and never imports the archives).
        from .prefill import register_providers

        register_providers()
