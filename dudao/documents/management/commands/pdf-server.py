"""`dudao pdf-server`: keep one LibreOffice resident for PDFs (docs/adr/0005-resident-libreoffice.md).

    dudao pdf-server [--address HOST:PORT] [--profile DIR]

Runs in the foreground until stopped (Ctrl+C, SIGTERM, or the end of the process that started it);
restarts LibreOffice when it ends unexpectedly.
`make demo` and `make serve-prod` start it beside the web server. Exit codes: 0 stopped; 2 cannot start
(an address already in use, LibreOffice or python3-uno missing): message on stderr.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dudao.documents import pdf_server

RESTART_PAUSE = 2.0  # seconds before LibreOffice is started again after it ended


class Command(BaseCommand):
    help = "常驻一个 LibreOffice 用于生成 PDF(每份文书省去约 1 秒的启动时间);Ctrl+C 停止"
    requires_system_checks: list[str] = []  # no database: usable on a bare server

    def add_arguments(self, parser):
        parser.add_argument(
            "--address", help="监听地址“主机:端口”,默认取设置 DUDAO_PDF_SERVER(127.0.0.1:2003)"
        )
        parser.add_argument("--profile", help="LibreOffice 配置目录,默认 var/soffice-server")

    def handle(self, *args, **options):
        if options["address"]:
            settings.DUDAO_PDF_SERVER = options["address"]
        try:
            address = pdf_server.configured_address()
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if address is None:
            raise CommandError("DUDAO_PDF_SERVER 为空:PDF 转换服务已关闭,无需启动", returncode=2)
        if pdf_server.listening(address):
            raise CommandError(
                f"{address.host}:{address.port} 已被占用(PDF 转换服务可能已在运行)", returncode=2
            )
        profile = Path(options["profile"] or settings.VAR_DIR / "soffice-server")
        stopping = False
        parent = os.getppid()

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        while not stopping:
            try:
                process = pdf_server.start(address, profile, timeout=settings.DUDAO_PDF_TIMEOUT)
            except (pdf_server.ServerFailed, OSError) as exc:
                raise CommandError(f"无法启动 PDF 转换服务:{exc}", returncode=2) from exc
            if pdf_server.wait_listening(address, process):
                self.stdout.write(f"PDF 转换服务已启动:{address.host}:{address.port}(Ctrl+C 停止)")
            elif not stopping:
                pdf_server.stop(process)
                raise CommandError(
                    f"PDF 转换服务未能启动(退出码 {process.returncode});请确认已安装 LibreOffice 和 "
                    f"python3-uno(make install 会安装),以及 {pdf_server.uno_python()} 可用",
                    returncode=2,
                )
            while not stopping and process.poll() is None:
                time.sleep(0.5)
                stopping = stopping or os.getppid() != parent  # whoever started it (make demo) has ended
            if stopping:
                pdf_server.stop(process)
                break
            sys.stderr.write(
                f"PDF 转换服务意外退出(退出码 {process.returncode}),{RESTART_PAUSE:g} 秒后重启\n"
            )
            time.sleep(RESTART_PAUSE)
