"""Sortable columns of the supervision lists (dudao.web.sorting: ?sort=key / -key, others ignored)."""

TASK_SORTS = {
    "number": "number",
    "institution": "institution__name",
    "starts_at": "starts_at",
    "status": "status",
    "report_due_on": "report_due_on",
}
DRAW_SORTS = {
    "number": "number",
    "period": ("period_start", "period_end"),
    "task_kind": "task_kind",
    "published_at": "published_at",
    "status": "status",
}
