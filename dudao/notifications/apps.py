from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dudao.notifications"
    label = "notifications"
    verbose_name = "消息中心"
