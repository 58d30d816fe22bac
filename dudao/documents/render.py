"""Official papers: DOCX from docxtpl templates (admin overrides first), PDF by LibreOffice headless.

Template lookup (first hit wins; docs/documents.md tells admins how to replace a template):
  1. ``<override dir>/<variant>/<name>.docx`` when a ``variant`` is given (e.g. an authority's code),
  2. ``<override dir>/<name>.docx`` for each override dir: ``settings.DUDAO_DOCUMENT_TEMPLATE_DIRS``,
     by default ``MEDIA_ROOT/templates/documents``,
  3. the shipped ``dudao/documents/templates_docx/<name>.docx``.

PDFs come from the same DOCX (DESIGN: Documents). Each conversion runs a private ``soffice`` profile,
so concurrent conversions (threads, workers, hosts) never share LibreOffice state; a profile is reused
only by the next conversion that wins its lock, which saves LibreOffice's first-start work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateError
from lxml import etree

from dudao.common.errors import ApplicationError

from . import pdf_server

PACKAGE_DIR = Path(__file__).resolve().parent / "templates_docx"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
VARIANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
LAYOUT_MARKER = "dudao:columns"  # = build_templates.LAYOUT_MARKER (kept here: render must not import it)
DEFAULT_PDF_TIMEOUT = 60
PROFILE_SLOTS = 4  # warm soffice profiles per host; more concurrent conversions use a fresh one

# Chinese government fonts → Debian's Noto CJK where the real font is not installed (fonts-noto-cjk).
# `append` keeps an installed 仿宋_GB2312 etc. first; the title font maps to the bold face (小标宋 is heavy).
_SERIF = (
    "仿宋_GB2312",
    "仿宋",
    "FangSong",
    "FangSong_GB2312",
    "方正仿宋_GBK",
    "方正仿宋简体",
    "宋体",
    "SimSun",
    "新宋体",
    "NSimSun",
    "华文中宋",
    "华文仿宋",
    "楷体_GB2312",
    "楷体",
    "KaiTi",
    "KaiTi_GB2312",
    "方正楷体_GBK",
    "方正楷体简体",
    "华文楷体",
)
_BOLD_SERIF = ("方正小标宋简体", "方正小标宋_GBK", "小标宋", "方正大标宋简体", "华文宋体")
_SANS = ("黑体", "SimHei", "方正黑体_GBK", "方正黑体简体", "微软雅黑", "Microsoft YaHei", "等线", "DengXian")


# Latin faces the templates name (Word's defaults) -> Debian's metric-compatible fonts-liberation2, so a
# PDF never depends on fontconfig's fallback order (without them "Times New Roman" became DejaVu Serif,
# which is wider, and table text reflowed). `make` installs fonts-liberation2.
_LATIN = (
    (("Times New Roman", "Times"), "Liberation Serif"),
    (("Arial", "Helvetica"), "Liberation Sans"),
    (("Courier New", "Courier"), "Liberation Mono"),
)


def _fontconfig() -> str:
    rules = [
        f'<match target="pattern"><test name="family"><string>{name}</string></test>'
        f'<edit name="family" mode="prepend" binding="strong"><string>{target}</string></edit></match>'
        for names, target in _LATIN
        for name in names
    ]
    for names, target, bold in (
        (_SERIF, "Noto Serif CJK SC", False),
        (_BOLD_SERIF, "Noto Serif CJK SC", True),
        (_SANS, "Noto Sans CJK SC", False),
    ):
        for name in names:
            weight = '<edit name="weight" mode="assign"><const>bold</const></edit>' if bold else ""
            rules.append(
                f'<match target="pattern"><test name="family"><string>{name}</string></test>{weight}'
                f'<edit name="family" mode="append" binding="same"><string>{target}</string></edit></match>'
            )
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        + "\n".join(rules)
        + "\n</fontconfig>\n"
    )


FONTCONFIG = _fontconfig()


class DocumentError(ApplicationError):
    """A document cannot be produced: missing or broken template, bad context."""

    code = "document_error"
    status = 422
    default_message = "文书生成失败"


class PdfUnavailable(DocumentError):
    """LibreOffice is missing or the conversion failed: the DOCX is still available."""

    code = "pdf_unavailable"
    status = 503
    default_message = "PDF 生成失败,请下载 DOCX 版本"


# ---------------------------------------------------------------------------------------------------
# templates


def override_dirs() -> list[Path]:
    """Directories admins put replacement templates in, most specific first."""
    configured = getattr(settings, "DUDAO_DOCUMENT_TEMPLATE_DIRS", None)
    if configured is None:
        return [Path(settings.MEDIA_ROOT) / "templates" / "documents"]
    return [Path(d) for d in configured]


@dataclass(frozen=True)
class TemplateSource:
    """Where a template name resolves: `origin` is 'override' or 'package'."""

    name: str
    path: Path
    origin: str


def _clean_name(name: str) -> str:
    bare = name[: -len(".docx")] if name.endswith(".docx") else name
    if not NAME_RE.fullmatch(bare):
        raise DocumentError(
            f"文书模板名称「{name}」无效:只能使用小写字母、数字、下划线和连字符", code="template_name_invalid"
        )
    return bare


def candidates(name: str, *, variant: str | None = None) -> list[TemplateSource]:
    """Every place `name` is looked up, in order (for `find_template` and the admin CLI)."""
    bare = _clean_name(name)
    if variant is not None and not VARIANT_RE.fullmatch(variant):
        raise DocumentError(f"模板变体「{variant}」无效", code="template_name_invalid")
    found = []
    for base in override_dirs():
        if variant:
            found.append(TemplateSource(bare, base / variant / f"{bare}.docx", "override"))
        found.append(TemplateSource(bare, base / f"{bare}.docx", "override"))
    found.append(TemplateSource(bare, PACKAGE_DIR / f"{bare}.docx", "package"))
    return found


def find_template(name_or_path: str | Path, *, variant: str | None = None) -> TemplateSource:
    """Resolve a template name (``official_letter``) or an explicit .docx path (admins testing a draft)."""
    if isinstance(name_or_path, Path) or "/" in name_or_path or os.sep in name_or_path:
        path = Path(name_or_path)
        if path.suffix.lower() != ".docx" or not path.is_file():
            raise DocumentError(f"找不到文书模板文件:{path}", code="template_not_found")
        return TemplateSource(path.stem, path, "path")
    for source in candidates(name_or_path, variant=variant):
        if source.path.is_file():
            return source
    raise DocumentError(f"找不到文书模板「{_clean_name(name_or_path)}」", code="template_not_found")


def shipped_templates() -> list[str]:
    return sorted(p.stem for p in PACKAGE_DIR.glob("*.docx"))


# ---------------------------------------------------------------------------------------------------
# rendering


def cn_date(value: Any) -> str:
    """成文日期 in Arabic numerals without leading zeros (GB/T 9704 7.3.5.1): 2024年9月27日."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return cn_date(dt.date.fromisoformat(value))
    return "" if value is None else str(value)


class _Environment(Environment):
    """Jinja environment that keeps compiled templates: docxtpl compiles every XML part on every render,
    which costs more than the rendering itself (bench/documents_bench.py)."""

    def from_string(self, source, globals=None, template_class=None):
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        return _compile(self, source)


@functools.lru_cache(maxsize=64)
def _compile(env: _Environment, source: str):
    return Environment.from_string(env, source)


def _environment() -> Environment:
    return _ENV


# Autoescape: a value like 「A&B<公司>」 must stay text, not break the document XML.
_ENV = _Environment(autoescape=True)
_ENV.filters["cn_date"] = cn_date


def _apply_column_layout(document) -> None:
    """Set widths/alignment of tables marked by build_templates (columns come from the context).

    docxtpl's `{%tc %}` loops spread the table width evenly; a marked table's description renders
    to ``widths=1,6,1;align=center,left,center`` and this pass turns it into grid and cell settings.
    """
    for table in document.tables:
        tblpr = table._tbl.tblPr
        caption = tblpr.find(qn("w:tblCaption"))
        if caption is None or caption.get(qn("w:val")) != LAYOUT_MARKER:
            continue
        desc = tblpr.find(qn("w:tblDescription"))
        spec = dict(
            part.split("=", 1)
            for part in (desc.get(qn("w:val")) if desc is not None else "").split(";")
            if "=" in part
        )
        tblpr.remove(caption)
        if desc is not None:
            tblpr.remove(desc)
        grid_cols = table._tbl.tblGrid.findall(qn("w:gridCol"))
        n = len(grid_cols)
        weights = _numbers(spec.get("widths", ""), n)
        # The declared table width: docxtpl's column rescaling rounds each column down.
        tblw = tblpr.find(qn("w:tblW"))
        declared = tblw is not None and tblw.get(qn("w:type")) == "dxa"
        total = int(tblw.get(qn("w:w"))) if declared else sum(int(gc.get(qn("w:w")) or 0) for gc in grid_cols)
        if weights and total:
            widths = [int(total * w / sum(weights)) for w in weights]
            widths[-1] += total - sum(widths)
            for gc, width in zip(grid_cols, widths, strict=True):
                gc.set(qn("w:w"), str(width))
        else:
            widths = [int(gc.get(qn("w:w")) or 0) for gc in grid_cols]
        aligns = [_JC.get(a.strip()) for a in spec.get("align", "").split(",")]
        aligns = aligns if len(aligns) == n else []
        for tr in table._tbl.tr_lst:
            header = tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None
            col = 0
            for tc in tr.tc_lst:
                span = tc.grid_span
                tcpr = tc.get_or_add_tcPr()
                tcw = tcpr.get_or_add_tcW()
                tcw.set(qn("w:w"), str(sum(widths[col : col + span])))
                tcw.set(qn("w:type"), "dxa")
                grid_span = tcpr.find(qn("w:gridSpan"))
                if grid_span is not None and tcpr.index(grid_span) < tcpr.index(tcw):
                    tcw.addnext(
                        grid_span
                    )  # docxtpl's colspan puts gridSpan first; the schema wants tcW first
                if aligns and not header and span == 1 and col < n and aligns[col]:
                    for p in tc.iterchildren(qn("w:p")):
                        _set_jc(p, aligns[col])
                col += span


# lxml directly: python-docx's property setters cost more than the rest of the render on a long form.
_JC = {"left": "left", "center": "center", "right": "right"}
_AFTER_JC = {
    qn(f"w:{t}")
    for t in (
        "textDirection",
        "textAlignment",
        "textboxTightWrap",
        "outlineLvl",
        "divId",
        "cnfStyle",
        "rPr",
        "sectPr",
        "pPrChange",
    )
}


def _set_jc(p, value: str) -> None:
    ppr = p.find(qn("w:pPr"))
    if ppr is None:
        ppr = etree.SubElement(p, qn("w:pPr"))
        p.insert(0, ppr)
    jc = ppr.find(qn("w:jc"))
    if jc is None:
        jc = etree.Element(qn("w:jc"))
        later = next((i for i, child in enumerate(ppr) if child.tag in _AFTER_JC), None)
        ppr.append(jc) if later is None else ppr.insert(later, jc)
    jc.set(qn("w:val"), value)


def _numbers(text: str, n: int) -> list[float]:
    """`n` positive weights from ``1,6,1``; anything else (missing, wrong count) means equal widths."""
    try:
        values = [float(v) for v in text.split(",")] if text.strip() else []
    except ValueError:
        return []
    return values if len(values) == n and all(v > 0 for v in values) else []


def render_docx(
    template: str | Path,
    context: Mapping[str, Any] | Callable[[DocxTemplate], Mapping[str, Any]],
    *,
    variant: str | None = None,
) -> bytes:
    """Render a .docx template with `context`; returns the document bytes. `context` may be a function of
    the template being rendered (docxtpl's InlineImage, for photos and QR codes, needs that object)."""
    source = find_template(template, variant=variant)
    try:
        tpl = DocxTemplate(source.path)
        values = context(tpl) if callable(context) else context
        tpl.render(dict(values), jinja_env=_environment(), autoescape=True)
        _apply_column_layout(tpl.docx)
        out = io.BytesIO()
        tpl.save(out)
    except TemplateError as exc:
        raise DocumentError(
            f"文书模板「{source.name}」({source.origin})中的标签有误:{exc.message or exc.__class__.__name__}",
            code="template_invalid",
        ) from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(
            f"文书模板「{source.name}」不是有效的 Word 文档(.docx):{exc}", code="template_invalid"
        ) from exc
    return out.getvalue()


def template_variables(template: str | Path, *, variant: str | None = None) -> list[str]:
    """The top-level context names a template refers to (admins check an edited template with it)."""
    source = find_template(template, variant=variant)
    try:
        names = DocxTemplate(source.path).get_undeclared_template_variables(jinja_env=_environment())
    except TemplateError as exc:
        raise DocumentError(
            f"文书模板「{source.name}」({source.origin})中的标签有误:{exc.message or exc.__class__.__name__}",
            code="template_invalid",
        ) from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(
            f"文书模板「{source.name}」不是有效的 Word 文档(.docx):{exc}", code="template_invalid"
        ) from exc
    return sorted(names)


# ---------------------------------------------------------------------------------------------------
# PDF


def soffice_binary() -> str | None:
    """The LibreOffice executable: settings/env DUDAO_SOFFICE, else `soffice` or `libreoffice` on PATH."""
    configured = getattr(settings, "DUDAO_SOFFICE", None) or os.environ.get("DUDAO_SOFFICE")
    if configured:
        return shutil.which(configured)
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_available() -> bool:
    return soffice_binary() is not None


@contextlib.contextmanager
def _profile() -> Iterator[Path]:
    """A soffice user profile nobody else uses during the conversion.

    Warm slots (flock-guarded, per host and user) skip LibreOffice's first-start work; when every slot
    is busy, a throw-away profile keeps the conversion private anyway.
    """
    root = Path(tempfile.gettempdir()) / f"dudao-soffice-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    for slot in range(PROFILE_SLOTS):
        lock = open(root / f"slot-{slot}.lock", "w")  # noqa: SIM115 - held for the whole conversion
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        path = root / f"slot-{slot}"
        try:
            yield path
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)  # a failed run may leave the profile unusable
            raise
        finally:
            lock.close()
        return
    with tempfile.TemporaryDirectory(prefix="dudao-soffice-") as tmp:
        yield Path(tmp)


def to_pdf(docx_bytes: bytes, *, timeout: float | None = None) -> bytes:
    """Convert a DOCX to PDF with LibreOffice headless; raises PdfUnavailable when it cannot.

    The resident LibreOffice (`dudao pdf-server`, pdf_server.py) converts when one listens at
    DUDAO_PDF_SERVER; otherwise one LibreOffice process is started for this PDF.
    """
    address = pdf_server.configured_address()
    if address is not None and pdf_server.listening(address):
        with contextlib.suppress(pdf_server.ServerFailed):  # logged there; this PDF gets its own process
            return pdf_server.convert(docx_bytes, address)
    return _to_pdf_one_process(docx_bytes, timeout=timeout)


def _to_pdf_one_process(docx_bytes: bytes, *, timeout: float | None = None) -> bytes:
    binary = soffice_binary()
    if binary is None:
        raise PdfUnavailable(
            "服务器未安装 LibreOffice(soffice),无法生成 PDF;请下载 DOCX 版本,或请管理员安装 "
            "libreoffice-writer-nogui",
            code="pdf_unavailable",
        )
    limit = timeout or getattr(settings, "DUDAO_PDF_TIMEOUT", DEFAULT_PDF_TIMEOUT)
    with tempfile.TemporaryDirectory(prefix="dudao-pdf-") as tmp, _profile() as profile:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(docx_bytes)
        fonts = work / "fonts.conf"
        fonts.write_text(FONTCONFIG, encoding="utf-8")
        command = [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        env = {**os.environ, "FONTCONFIG_FILE": str(fonts), "SAL_USE_VCLPLUGIN": "svp"}
        # Own process group: on timeout the whole soffice tree (oosplash + soffice.bin) is killed.
        proc = subprocess.Popen(
            command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _, stderr = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise PdfUnavailable(f"生成 PDF 超时(超过 {limit:g} 秒),请稍后重试或下载 DOCX 版本") from None
        pdf = work / "out" / "document.pdf"
        if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            detail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PdfUnavailable(
                f"LibreOffice 未能生成 PDF(退出码 {proc.returncode}),请下载 DOCX 版本",
                detail={"stderr": detail},
            )
        return pdf.read_bytes()


def render_pdf(template: str | Path, context: Mapping[str, Any], *, variant: str | None = None) -> bytes:
    """Render a template straight to PDF (DOCX first: one template source for both formats)."""
    return to_pdf(render_docx(template, context, variant=variant))
