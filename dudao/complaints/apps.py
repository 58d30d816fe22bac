from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "dudao.complaints"
    label = "complaints"
    verbose_name = "投诉举报"

    def ready(self) -> None:
        # FORM-B C2.2/C2.3/C3.1 hints on evaluations (scorecards never imports complaints).
        from .prefill import register_providers

        register_providers()
