"""消息中心: one in-product message per recipient (renewal deadlines, dispatched tasks, outcomes …)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .domain import kind_label


class Message(models.Model):
    """A message to one user about one object; `dedupe_key` makes a periodic reminder arrive only once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField("消息类型", max_length=64, help_text="如 renewal.due_soon、task.dispatched")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=500, blank=True, help_text="站内路径,以 / 开头")
    object_type = models.CharField("对象类型", max_length=80, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    dedupe_key = models.CharField(
        "去重键", max_length=200, blank=True, help_text="同一接收人同一去重键只发送一次;为空则不去重"
    )

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [
            # unread badge: WHERE recipient_id = ? AND read_at IS NULL
            models.Index(fields=["recipient", "read_at"], name="notif_msg_recipient_read"),
            # inbox list: WHERE recipient_id = ? ORDER BY created_at DESC
            models.Index(fields=["recipient", "-created_at"], name="notif_msg_recipient_created"),
            models.Index(fields=["object_type", "object_id"], name="notif_msg_object"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notif_msg_unique_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)
