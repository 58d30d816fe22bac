from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "dudao.exams"
    label = "exams"
    verbose_name = "考务"
