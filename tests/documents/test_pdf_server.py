"""The resident LibreOffice (`dudao pdf-server`, docs/adr/0005-resident-libreoffice.md): a real server on
free ports, the same PDF as one LibreOffice per document, and the one-process path whenever the resident
one is absent or fails."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import socketserver
import subprocess
import threading
from types import SimpleNamespace

import pytest

from dudao.documents import pdf_server
from dudao.documents.render import render_docx, soffice_available, to_pdf
from dudao.exams.documents_certificate import certificate_docx

from .helpers import DUDAO, LETTER, pdf_fonts, pdf_text, squash

needs_soffice = pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")

CERT = SimpleNamespace(
    status="issued",
    name="龙昊天",
    id_number_masked="360102********0012",
    occupation_name="电工",
    occupation_code="6-31-01-03",
    level=3,
    number="S000036036010126300001",
    institution_name="南昌市某职业技能培训学校",
    issued_on=dt.date(2026, 12, 1),
    seal="v1.payload.signature",
    void_reason="",
)


def free_address() -> str:
    """A port P with P-1 (LibreOffice's own UNO socket) free as well."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port - 1))
            except OSError:
                continue
        return f"127.0.0.1:{port}"
    raise RuntimeError("no free port pair")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`dudao pdf-server` exactly as `make demo` starts it, stopped with SIGTERM afterwards."""
    if not soffice_available():
        pytest.skip("LibreOffice (soffice) is not installed")
    address = free_address()
    work = tmp_path_factory.mktemp("soffice")
    # Files, not pipes: LibreOffice inherits them, and a pipe would also wait for it.
    with open(work / "out.txt", "w") as out, open(work / "err.txt", "w") as err:
        process = subprocess.Popen(
            [str(DUDAO), "pdf-server", "--address", address, "--profile", str(work / "profile")],
            stdout=out,
            stderr=err,
        )
    host, port = address.split(":")
    if not pdf_server.wait_listening(pdf_server.Address(host, int(port)), process, within=120):
        process.kill()
        pytest.fail(f"pdf-server did not start: {(work / 'err.txt').read_text()}")
    yield address
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    assert process.returncode == 0, (work / "err.txt").read_text()
    assert f"PDF 转换服务已启动:{address}" in (work / "out.txt").read_text()


def test_address_setting(settings):
    settings.DUDAO_PDF_SERVER = ""
    assert pdf_server.configured_address() is None
    settings.DUDAO_PDF_SERVER = " 127.0.0.1:2003 "
    assert pdf_server.configured_address() == pdf_server.Address("127.0.0.1", 2003)
    assert pdf_server.configured_address().uno_port == 2002
    settings.DUDAO_PDF_SERVER = "127.0.0.1:65535"
    assert pdf_server.configured_address().port == 65535
    for bad in ("127.0.0.1:65536", "127.0.0.1", ":2003", "127.0.0.1:x", "127.0.0.1:1"):
        settings.DUDAO_PDF_SERVER = bad
        with pytest.raises(ValueError, match="主机:端口"):
            pdf_server.configured_address()


@needs_soffice
def test_resident_libreoffice_makes_the_certificate(server, settings, tmp_path, monkeypatch):
    settings.DUDAO_PDF_SERVER = server
    calls = []
    original = pdf_server.convert

    def counted(docx, address):
        calls.append(address)
        return original(docx, address)

    monkeypatch.setattr(pdf_server, "convert", counted)
    pdf = to_pdf(certificate_docx(CERT))
    assert len(calls) == 1  # the resident LibreOffice made it, not a process of its own
    text = squash(pdf_text(pdf, tmp_path))
    for fragment in ("职业技能等级证书", CERT.name, CERT.id_number_masked, CERT.number, "2026年12月1日"):
        assert fragment in text
    assert any(name.startswith("NotoSerifCJK") for name in pdf_fonts(pdf, tmp_path))


@needs_soffice
def test_resident_and_one_process_give_the_same_text(server, settings, tmp_path):
    docx = render_docx("official_letter", LETTER)
    settings.DUDAO_PDF_SERVER = server
    resident = to_pdf(docx)
    settings.DUDAO_PDF_SERVER = ""
    alone = to_pdf(docx)
    assert pdf_text(resident, tmp_path) == pdf_text(alone, tmp_path)
    assert pdf_fonts(resident, tmp_path) == pdf_fonts(alone, tmp_path)


@needs_soffice
def test_concurrent_requests_each_get_their_own_pdf(server, settings, tmp_path):
    settings.DUDAO_PDF_SERVER = server
    names = ["甲一", "乙二", "丙三", "丁四"]
    results: dict[str, bytes] = {}

    def make(name: str) -> None:
        results[name] = to_pdf(certificate_docx(SimpleNamespace(**{**vars(CERT), "name": name})))

    threads = [threading.Thread(target=make, args=(name,)) for name in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in names:
        text = squash(pdf_text(results[name], tmp_path))
        assert name in text
        assert not any(other in text for other in names if other != name)


@needs_soffice
def test_a_second_server_on_a_busy_address_is_refused(server):
    done = subprocess.run([str(DUDAO), "pdf-server", "--address", server], capture_output=True, text=True)
    assert done.returncode == 2
    assert "已被占用" in done.stderr


@needs_soffice
def test_nothing_listening_means_one_libreoffice_for_the_pdf(settings, tmp_path):
    settings.DUDAO_PDF_SERVER = free_address()
    pdf = to_pdf(certificate_docx(CERT))
    assert CERT.number in squash(pdf_text(pdf, tmp_path))


class _NotUnoserver(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.recv(65536)
        self.request.sendall(b"HTTP/1.0 500 Broken\r\nContent-Length: 0\r\n\r\n")


@needs_soffice
def test_a_failing_resident_server_falls_back_to_one_libreoffice(settings, tmp_path, caplog):
    with socketserver.TCPServer(("127.0.0.1", 0), _NotUnoserver) as broken:
        threading.Thread(target=broken.serve_forever, daemon=True).start()
        settings.DUDAO_PDF_SERVER = f"127.0.0.1:{broken.server_address[1]}"
        with pytest.raises(pdf_server.ServerFailed):
            pdf_server.convert(b"PK", pdf_server.configured_address())
        pdf = to_pdf(certificate_docx(CERT))
        broken.shutdown()
    assert CERT.number in squash(pdf_text(pdf, tmp_path))
    assert "resident LibreOffice" in caplog.text


def test_pdf_server_refuses_when_switched_off(settings):
    done = subprocess.run(
        [str(DUDAO), "pdf-server"], capture_output=True, text=True, env={**os.environ, "DUDAO_PDF_SERVER": ""}
    )
    assert done.returncode == 2
    assert "已关闭" in done.stderr
