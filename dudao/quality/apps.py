from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "dudao.quality"
    label = "quality"
    verbose_name = "质量通报"
