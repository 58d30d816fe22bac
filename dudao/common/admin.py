"""The Django admin's two kinds of registration: read-only browsing, and edits that go through a service.

Every write of a domain row goes through its app's service (validation, permissions, audit event); the admin
either cannot write at all (``ReadOnlyAdmin``: the pages or the API change the row), or its ``save_model``
calls the service (``ServiceAdmin``): a refused save shows the service's Chinese error on the form and writes
nothing, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin

from dudao.common.errors import ApplicationError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search only; a change here would bypass the services' checks and the audit chain."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _Refused(Exception):
    """A service refused the admin's save (carries the ApplicationError); the transaction rolls back."""

    def __init__(self, error: ApplicationError):
        super().__init__(error.message)
        self.error = error


def place_admin_errors(form: Any, exc: ApplicationError, fields: Mapping[str, str] | None = None) -> None:
    """The service's error lists under their form fields (`fields` renames service keys), the rest on top."""
    detail = exc.detail if isinstance(exc.detail, Mapping) else {}
    placed = False
    for key, msgs in detail.items():
        if not isinstance(msgs, list | tuple):
            continue  # data for API clients (a Conflict's current row_version), not an error text
        name = (fields or {}).get(key, key)
        target = name if name in form.fields and not form.fields[name].widget.is_hidden else None
        for message in msgs:
            form.add_error(target, str(message))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class ServiceAdmin(admin.ModelAdmin):
    """An admin whose saves call the app's service: override ``save_via_service``.

    A service refusal (``ApplicationError``) rolls the admin's transaction back and shows the form again
    with the Chinese error next to its field (``error_fields`` maps service keys to form fields).
    """

    error_fields: Mapping[str, str] = {}

    def save_via_service(self, request, obj, form, change) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def save_model(self, request, obj, form, change) -> None:
        try:
            saved = self.save_via_service(request, obj, form, change)
        except ApplicationError as exc:
            raise _Refused(exc) from exc
        if saved is not None and saved is not obj:
            # The response (redirect, message, log entry) refers to the row the service wrote.
            for field in saved._meta.concrete_fields:
                setattr(obj, field.attname, getattr(saved, field.attname))
            obj._state.adding = False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            # The atomic block of changeform_view has rolled back. Show the same form again, invalid
            # with the service's error (the second pass never reaches save_model).
            request._dudao_admin_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal: ApplicationError | None = getattr(request, "_dudao_admin_refusal", None)
        if refusal is None:
            return form_class
        error_fields = self.error_fields

        class RefusedForm(form_class):  # type: ignore[misc, valid-type]
            def clean(self):
                data = super().clean()
                place_admin_errors(self, refusal, error_fields)
                return data

        RefusedForm.__name__ = form_class.__name__
        return RefusedForm
