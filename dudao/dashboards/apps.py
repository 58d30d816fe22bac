from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dudao.dashboards"
    label = "dashboards"
    verbose_name = "统计看板"
