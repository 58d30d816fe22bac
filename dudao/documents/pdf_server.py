"""A resident LibreOffice for PDFs (docs/adr/0005-resident-libreoffice.md).

Starting LibreOffice costs about a second per PDF; a resident one converts a one-page paper in about
0.15 s. `dudao pdf-server` keeps one running behind unoserver (a maintained XML-RPC front of LibreOffice's
UNO API) on 127.0.0.1; `render.to_pdf` sends the DOCX there when `DUDAO_PDF_SERVER` names an address
that answers, and otherwise starts one LibreOffice for the PDF as before. The PDF comes from the same DOCX
either way (DESIGN: Documents) and with the same font rules (render.FONTCONFIG).

unoserver imports LibreOffice's `uno` module, which only Debian's own Python has (package python3-uno);
the server therefore runs under `DUDAO_UNO_PYTHON` (default /usr/bin/python3) with the unoserver package
of this virtualenv on its path. The client side is plain XML-RPC and runs in the application.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

import unoserver
from django.conf import settings
from unoserver.client import UnoClient

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 0.5  # seconds to decide that no resident LibreOffice is listening


class ServerFailed(Exception):
    """The resident LibreOffice did not return a PDF (render.to_pdf then starts one for this PDF)."""


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @property
    def uno_port(self) -> int:
        """LibreOffice's own UNO socket, the port just below the XML-RPC one."""
        return self.port - 1


def configured_address() -> Address | None:
    """`DUDAO_PDF_SERVER` ("host:port"), or None when the resident LibreOffice is switched off ("")."""
    value = (getattr(settings, "DUDAO_PDF_SERVER", "") or "").strip()
    if not value:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 1 < int(port) < 65536:
        raise ValueError(f"DUDAO_PDF_SERVER 应为“主机:端口”,例如 127.0.0.1:2003,而不是 {value!r}")
    return Address(host, int(port))


def listening(address: Address) -> bool:
    try:
        with socket.create_connection((address.host, address.port), timeout=CONNECT_TIMEOUT):
            return True
    except OSError:
        return False


def convert(docx: bytes, address: Address) -> bytes:
    """The PDF of `docx` from the resident LibreOffice at `address` (which must be listening)."""
    client = UnoClient(server=address.host, port=str(address.port), host_location="remote")
    try:
        pdf = client.convert(indata=docx, convert_to="pdf", filtername="writer_pdf_Export")
    except (xmlrpc.client.Error, OSError, RuntimeError) as exc:
        logger.warning("resident LibreOffice at %s:%s failed: %s", address.host, address.port, exc)
        raise ServerFailed(str(exc)) from exc
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
        raise ServerFailed("no PDF in the answer")
    return pdf


def uno_python() -> str:
    return getattr(settings, "DUDAO_UNO_PYTHON", "") or "/usr/bin/python3"


def server_command(address: Address, profile: Path, *, timeout: int) -> tuple[list[str], dict[str, str]]:
    """The unoserver command line and environment for a resident LibreOffice at `address`.

    The profile directory holds LibreOffice's user installation and the fontconfig file of render.py.
    """
    from .render import FONTCONFIG, soffice_binary  # render imports this module

    binary = soffice_binary()
    if binary is None:
        raise ServerFailed("服务器未安装 LibreOffice(soffice),无法启动 PDF 转换服务")
    profile.mkdir(parents=True, exist_ok=True, mode=0o700)
    fonts = profile / "fonts.conf"
    fonts.write_text(FONTCONFIG, encoding="utf-8")
    site = str(Path(unoserver.__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": site,
        "FONTCONFIG_FILE": str(fonts),
        "SAL_USE_VCLPLUGIN": "svp",
    }
    command = [
        uno_python(),
        "-m",
        "unoserver.server",
        "--interface",
        address.host,
        "--port",
        str(address.port),
        "--uno-interface",
        "127.0.0.1",
        "--uno-port",
        str(address.uno_port),
        "--executable",
        binary,
        "--user-installation",
        str(profile / "user"),
        "--conversion-timeout",
        str(timeout),
        "--quiet",
    ]
    return command, env


def start(address: Address, profile: Path, *, timeout: int) -> subprocess.Popen:
    """Start a resident LibreOffice (own process group, so stopping it stops soffice too)."""
    command, env = server_command(address, profile, timeout=timeout)
    return subprocess.Popen(command, env=env, start_new_session=True, stdin=subprocess.DEVNULL)


def wait_listening(address: Address, process: subprocess.Popen, *, within: float = 90.0) -> bool:
    """True once `address` answers; False when `process` ends first or `within` seconds pass."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if listening(address):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.2)
    return False


def stop(process: subprocess.Popen) -> None:
    """Stop a server started by `start` and its LibreOffice (the whole process group): unoserver is asked to
    stop, and whatever of LibreOffice is left of the group afterwards is killed."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
