from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    name = "dudao.archives"
    label = "archives"
    verbose_name = "档案"
