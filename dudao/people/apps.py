from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "dudao.people"
    label = "people"
    verbose_name = "人员管理"
