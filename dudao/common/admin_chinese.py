"""The Django admin in Chinese where a third-party app hard-codes English that no translation catalogue
reaches (the rest comes from dudao/locale): the task-results app name and its admin's column labels."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin

TASKS_APP = "django_tasks_database"


def apply() -> None:
    """Called once from CommonConfig.ready(); does nothing when the tasks app is not installed."""
    if not apps.is_installed("django_tasks_db"):
        return
    apps.get_app_config(TASKS_APP).verbose_name = "后台任务"
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.task_name.fget.short_description = "任务"
    model_admin = admin.site._registry.get(DBTaskResult)
    if model_admin is None:
        return
    for name, label in (("formatted_traceback", "错误详情"), ("display_run_after", "最早执行时间")):
        method = getattr(type(model_admin), name, None)
        if method is not None:
            method.short_description = label
    # The UUID primary key has no verbose name (its header would read "id"); shown as 编号.
    model_admin.list_display = tuple(_task_id if name == "id" else name for name in model_admin.list_display)


@admin.display(description="编号", ordering="id")
def _task_id(obj) -> str:
    return str(obj.pk)
