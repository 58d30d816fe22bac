"""The web kit's one way to run services from pages: raise_http, place_errors, run_form, error_of,
run_and_flash, safe_next (issue 9 §1: replaces the per-app copies)."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.test import RequestFactory

from dudao.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dudao.web.kit import error_of, place_errors, raise_http, run_and_flash, run_form, safe_next


class NameForm(forms.Form):
    name = forms.CharField()
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


def bound_form() -> NameForm:
    form = NameForm({"name": "张三"})
    assert form.is_valid()
    return form


def request_with_messages(method: str = "post", data: dict | None = None, **extra):
    request = getattr(RequestFactory(), method)("/here/", data or {}, **extra)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def texts(request) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def fail(exc):
    def call():
        raise exc

    return call


def test_raise_http_maps_not_found_and_permission_denied_and_lets_others_through():
    with pytest.raises(Http404):
        raise_http(NotFound("不存在"))
    with pytest.raises(DjangoPermissionDenied):
        raise_http(PermissionDenied("无权"))
    assert raise_http(ValidationFailed("有误")) is None


def test_place_errors_puts_field_messages_under_fields_and_the_rest_on_top():
    form = bound_form()
    place_errors(
        form,
        ValidationFailed("有误", detail={"name": ["姓名不正确"], "other": ["别处有误"], "secret": ["隐藏"]}),
    )
    assert form.errors["name"] == ["姓名不正确"]
    assert set(form.non_field_errors()) == {"别处有误", "隐藏"}


def test_place_errors_maps_service_keys_to_form_fields():
    form = bound_form()
    place_errors(form, ValidationFailed("有误", detail={"person_name": ["必填"]}), {"person_name": "name"})
    assert form.errors["name"] == ["必填"]


def test_place_errors_never_shows_data_as_text_and_falls_back_to_the_message():
    form = bound_form()
    place_errors(form, Conflict("数据已被他人修改,请刷新后重试", detail={"row_version": 7}))
    assert form.non_field_errors() == ["数据已被他人修改,请刷新后重试"]
    assert "7" not in str(form.errors)


def test_run_form_returns_the_result_or_puts_the_error_on_the_form():
    form = bound_form()
    assert run_form(form, lambda: 42) == (True, 42)
    assert not form.errors
    ok, result = run_form(form, fail(ValidationFailed("有误", detail={"name": ["太长"]})))
    assert (ok, result) == (False, None)
    assert form.errors["name"] == ["太长"]


def test_run_form_keeps_404_and_403_as_http_errors():
    with pytest.raises(Http404):
        run_form(bound_form(), fail(NotFound("不存在")))
    with pytest.raises(DjangoPermissionDenied):
        run_form(bound_form(), fail(PermissionDenied("无权")))


def test_error_of_gives_the_message_for_a_fragment():
    assert error_of(lambda: None) == ""
    assert error_of(fail(ValidationFailed("文件类型不允许"))) == "文件类型不允许"
    with pytest.raises(Http404):
        error_of(fail(NotFound("不存在")))


def test_run_and_flash_success_goes_to_then_with_a_success_message():
    request = request_with_messages()
    response = run_and_flash(request, lambda: 5, "已完成", "/back/", then=lambda r: f"/item/{r}/")
    assert response.status_code == 302 and response["Location"] == "/item/5/"
    assert texts(request) == [("success", "已完成")]


def test_run_and_flash_error_goes_back_with_the_chinese_message():
    request = request_with_messages()
    response = run_and_flash(request, fail(ValidationFailed("状态不允许")), "已完成", "/back/", then=str)
    assert response["Location"] == "/back/"
    assert texts(request) == [("error", "状态不允许")]


def test_run_and_flash_keeps_403_as_http_error():
    with pytest.raises(DjangoPermissionDenied):
        run_and_flash(request_with_messages(), fail(PermissionDenied("无权")), "已完成", "/back/")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "///evil.example/x",
        "https://evil.example/x",
        "http://evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        " //evil.example",
    ],
)
def test_safe_next_refuses_other_hosts(target):
    request = RequestFactory().post("/here/", {"next": target})
    assert safe_next(request, "/fallback/") == "/fallback/"


@pytest.mark.parametrize("target", ["/supervision/tasks/3/", "/x/?page=2#a", "http://testserver/ok/"])
def test_safe_next_follows_local_urls(target):
    assert safe_next(RequestFactory().post("/here/", {"next": target}), "/fallback/") == target
    assert safe_next(RequestFactory().get("/here/", {"next": target}), "/fallback/") == target


def test_safe_next_without_a_target_uses_the_fallback():
    assert safe_next(RequestFactory().get("/here/"), "/fallback/") == "/fallback/"
