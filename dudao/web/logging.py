"""Log filters. A refused request (403) is an expected event, not a fault: one line with the path and the
Chinese reason, never a traceback (issue 9 §3 point 10). Django's `django.request` logger attaches the
PermissionDenied exception to its "Forbidden (Permission denied)" record; this filter drops it."""

from __future__ import annotations

import logging


class OneLineForbidden(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            reason = str(record.exc_info[1] or "").strip()
            if reason:
                record.msg = f"{record.msg}(%s)"
                record.args = (*(record.args or ()), reason)
            record.exc_info = None
            record.exc_text = None
        return True
