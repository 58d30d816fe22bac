from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "dudao.scorecards"
    label = "scorecards"
    verbose_name = "评估表"
