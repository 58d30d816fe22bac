from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "dudao.analytics"
    label = "analytics"
    verbose_name = "数据比对"
