"""Hostile requests (issue 8 §1): body caps, long multipart headers, CSRF/400 pages, control characters.

Each test repeats a probe of the outside tester: a 60 MB body, a 1,000-character file name (500 on the
API, Django's English "Bad Request" on pages), Django's English CSRF page, control characters in text.
"""

from __future__ import annotations

import pytest
from django.test import Client

from dudao.registry.models import Occupation

BOUNDARY = "BoUnDaRy"


@pytest.fixture
def no_debug(settings):
    settings.DEBUG = False


def _multipart(filename: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\nxx\r\n--{BOUNDARY}--\r\n"
    ).encode()


def _post(client: Client, url: str, body: bytes, **extra):
    return client.generic(
        "POST", url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}", **extra
    )


# ---------------------------------------------------------------------------------------- body size


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/registry/regions/import/", "/api/v1/registry/regions/import"])
def test_a_60_mb_body_is_refused_before_it_is_read(url, users, client_as, no_debug):
    """The declared length decides: the test payload is tiny, and reading past it would fail loudly."""
    client = client_as(users["superuser"])
    response = _post(client, url, _multipart("a.xlsx"), CONTENT_LENGTH=str(60 * 1024 * 1024))
    assert response.status_code == 413
    if url.startswith("/api/"):
        assert response.json() == {
            "code": "too_large",
            "message": "提交的内容过大:60.0 MB,一次最多 20 MB",
            "detail": None,
        }
    else:
        html = response.content.decode()
        assert "提交的内容过大,未能处理" in html and "不能超过 20 MB" in html


@pytest.mark.django_db
def test_the_body_limit_holds_on_both_sides(users, client_as, settings):
    body = _multipart("a.xlsx")
    client = client_as(users["superuser"])
    settings.DUDAO_MAX_REQUEST_BYTES = len(body)
    assert _post(client, "/api/v1/registry/regions/import", body).status_code == 422  # read, then refused
    settings.DUDAO_MAX_REQUEST_BYTES = len(body) - 1
    assert _post(client, "/api/v1/registry/regions/import", body).status_code == 413


@pytest.mark.django_db
def test_a_malformed_content_length_is_a_chinese_400(users, client_as):
    response = _post(
        client_as(users["superuser"]), "/api/v1/registry/regions/import", b"", CONTENT_LENGTH="abc"
    )
    assert (response.status_code, response.json()["message"]) == (400, "请求头 Content-Length 格式不正确")


@pytest.mark.django_db
def test_a_json_body_over_the_data_limit_is_a_chinese_413(users, client_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client_as(users["superuser"]).post(
        "/api/v1/registry/occupations",
        {"code": "1-01-01-01", "name": "x" * 2000},
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


# ----------------------------------------------------------------------------- multipart headers


@pytest.mark.django_db
def test_a_1000_character_file_name_is_a_chinese_400_on_the_api(users, client_as):
    response = _post(
        client_as(users["superuser"]), "/api/v1/registry/regions/import", _multipart("a" * 1000 + ".xlsx")
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "message": "上传请求格式不正确(例如文件名过长),请缩短文件名后重试",
        "detail": None,
    }


@pytest.mark.django_db
def test_a_1000_character_file_name_is_a_chinese_400_page(users, no_debug):
    client = Client(raise_request_exception=False)
    client.force_login(users["superuser"])
    response = _post(client, "/registry/regions/import/", _multipart("a" * 1000 + ".xlsx"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>400 - 督导平台</title>" in html and "请求格式不正确,未能处理" in html
    assert "Bad Request" not in html


@pytest.mark.django_db
def test_csrf_failure_is_a_chinese_page(users, no_debug):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期或请求来源无法验证" in html
    assert "CSRF verification failed" not in html and "Forbidden" not in html


# ------------------------------------------------------------------------ control characters


@pytest.mark.django_db
@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"])
def test_control_characters_in_a_page_form_are_refused(char, no_debug):
    response = Client().post("/login/", {"username": f"admin{char}", "password": "x"})
    assert response.status_code == 400
    assert "提交的内容中含有不允许的控制字符" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\xa0", " "])
def test_tab_newline_and_ordinary_spaces_pass_a_page_form(char, no_debug):
    response = Client().post("/login/", {"username": f"admin{char}x", "password": "x"})
    assert response.status_code == 200  # the login page again: wrong credentials, nothing refused


@pytest.mark.django_db
def test_control_characters_in_a_page_query_are_refused(users, client_as, no_debug):
    response = client_as(users["superuser"]).get("/registry/institutions/", {"q": "a\x07"})
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("char", "code"),
    [
        ("\x1b", "control_character"),
        ("\x9f", "control_character"),
        ("\n", "validation_error"),
        ("\t", "validation_error"),
    ],
)
def test_control_characters_in_an_api_body(char, code, users, client_as):
    """Control characters are refused for the whole request; a line break or tab passes that check but a
    one-line field (an occupation's name) refuses it (BaseModel.clean_fields)."""
    response = client_as(users["superuser"]).post(
        "/api/v1/registry/occupations",
        {"code": "1-01-01-01", "name": f"职业{char}名称"},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    if code == "control_character":
        assert "不允许的控制字符" in response.json()["message"]
    else:
        assert response.json()["detail"]["name"] == ["只能填写一行,不能包含换行符或制表符"]
    assert not Occupation.objects.filter(code="1-01-01-01").exists()


@pytest.mark.django_db
def test_an_ordinary_one_line_name_is_accepted(users, client_as):
    response = client_as(users["superuser"]).post(
        "/api/v1/registry/occupations",
        {"code": "1-01-01-01", "name": "职业 名称"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
