from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "dudao.exams"
    label = "exams"
    verbose_name = "考务"

    def ready(self) -> None:
        # FORM-B C4.2/C4.3 hints on evaluations (scorecards keeps the registry and never imports exams).
        from .prefill import register_providers

        register_providers()
