from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "dudao.supervision"
    label = "supervision"
    verbose_name = "质量督导"
