from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "dudao.renewals"
    label = "renewals"
    verbose_name = "延续备案"
