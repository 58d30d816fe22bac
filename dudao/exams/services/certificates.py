"""Writers of certificates (EXAM-12, CERT-1..4): the issuer's number prefix, serials from a database
sequence per prefix, issuing to passed candidates after the 公示 window, the signed QR seal, voiding,
national upload."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_institution_admin, is_superuser
from dudao.common import audit, bulk
from dudao.common.errors import ApplicationError, Conflict, IllegalTransition, ValidationFailed
from dudao.common.writes import checked_text, lock, lock_version, require, save_fields, unique_or_conflict
from dudao.registry.models import Institution

from ..domain import publication as rules
from ..domain.certificate_numbers import (
    CertificateNumberError,
    format_number,
    parse_kinds,
)
from ..domain.certificate_seal import (
    MAX_TEXT_CHARS,
    CertificateFacts,
    SealError,
    SealKeyError,
    SealTemplate,
    seal_number,
    seal_template,
    signing_key_from_setting,
)
from ..domain.results import LEVEL_NAMES
from ..models import (
    Certificate,
    CertificateIssuer,
    CertificateSerial,
    ExamPlan,
    ExamResult,
    Objection,
    Registration,
    ResultPublication,
)
from ..permissions import may_administer

SERIAL_MAX = 999_999


logger = logging.getLogger(__name__)


def kinds() -> tuple[str, ...]:
    return parse_kinds(settings.DUDAO_CERT_KINDS)


@functools.lru_cache(maxsize=4)
def _signing_key(value: str, production: bool, secret_key: str):
    return signing_key_from_setting(value, production=production, secret_key=secret_key)


class SigningKeyUnavailable(ApplicationError):
    """The seal key is not configured or unreadable (production without DUDAO_CERT_SIGNING_KEY): a 503 with
    the reason for the operator, never a 500."""

    code = "signing_key_unavailable"
    status = 503


def signing_key():
    """The platform's Ed25519 key for QR seals (DUDAO_CERT_SIGNING_KEY; a derived key in development)."""
    try:
        return _signing_key(settings.DUDAO_CERT_SIGNING_KEY, settings.PRODUCTION, settings.SECRET_KEY)
    except SealKeyError as exc:
        logger.error("certificate signing key unavailable: %s", exc)  # the operator's reason, in the log
        raise SigningKeyUnavailable("证书签名服务暂不可用,请联系平台管理员") from None


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# ------------------------------------------------------------------------------------------ issuer


@transaction.atomic
def certificate_issuer_set(
    *, actor: Any, institution: Institution, kind: Any = None, ministry: Any = "0000", serial: Any
) -> CertificateIssuer:
    """EXAM-12: record an institution's kind letter, ministry code and 6-digit serial (the filing authority's
    users). The kind defaults from the institution kind (Y employer, S social organisation); a technical
    school's letter is not documented and must be given."""
    require(
        is_superuser(actor) or (is_authority_user(actor) and actor.authority_id == institution.authority_id),
        "只有该机构的备案机关可以设置证书编码",
    )
    kind = str(kind or rules.certificate_kind(institution.kind) or "").strip()
    if not kind:
        raise ValidationFailed(
            "技工院校的证书类别字母没有公开规定,请填写", detail={"kind": ["请填写类别字母"]}
        )
    ministry, serial = str(ministry or "").strip(), str(serial or "").strip()
    province = institution.region_id[:2]
    try:  # the same checks as a whole number: build one with serial 1
        format_number(
            kind=kind,
            ministry=ministry,
            province=province,
            institution=serial,
            year="2000",
            level=5,
            serial=1,
            kinds=kinds(),
        )
    except CertificateNumberError as exc:
        raise ValidationFailed(";".join(exc.errors), detail={"issuer": exc.errors}) from None
    issuer = CertificateIssuer.objects.select_for_update().filter(institution=institution).first()
    before = audit.snapshot(issuer) if issuer else None
    if issuer is None:
        issuer = CertificateIssuer(institution=institution)
    clash = CertificateIssuer.objects.filter(
        kind=kind, ministry=ministry, serial=serial, institution__region__code__startswith=province
    ).exclude(institution=institution)
    if clash.exists():
        raise Conflict("该评价机构序号已分配给本省另一家机构", detail={"serial": ["序号已被占用"]})
    issuer.kind, issuer.ministry, issuer.serial = kind, ministry, serial
    if issuer.pk:
        save_fields(issuer, ["kind", "ministry", "serial"])
    else:
        with unique_or_conflict("该机构的证书编码刚被他人设置,请刷新后重试", "institution"):
            issuer.save()
    audit.record(
        actor=actor,
        action="exams.certificate_issuer.set",
        obj=issuer,
        before=before,
        after=audit.snapshot(issuer),
    )
    return issuer


# ------------------------------------------------------------------------------------------ serials


def reserve_serials(prefix: str, count: int) -> range:
    """CERT-1: `count` consecutive serials of `prefix`, from its sequence row, in the caller's transaction.

    The row is created on first use and then only incremented (UPDATE … SET last = last + n), which locks it
    until the transaction ends: a concurrent issuer waits and continues after our block, so two issuers never
    share a number, and nothing ever lowers `last` (never reused, never restarted)."""
    if count < 1:
        return range(0)
    table = connection.ops.quote_name(CertificateSerial._meta.db_table)
    # one statement in the usual case (the row exists); the table name is the model's own
    bump = f"UPDATE {table} SET last = last + %s WHERE prefix = %s RETURNING last"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(bump, [count, prefix])
        row = cursor.fetchone()
        if row is None:  # first use of the prefix: create the row (a racing creator wins, we wait), bump
            CertificateSerial.objects.get_or_create(prefix=prefix)
            cursor.execute(bump, [count, prefix])
            row = cursor.fetchone()
    last = row[0]
    if last > SERIAL_MAX:
        raise Conflict(f"编号前缀 {prefix} 的证书序号已用尽(最大 {SERIAL_MAX}),请联系备案机关")
    return range(last - count + 1, last + 1)


# ------------------------------------------------------------------------------------------ issuing


def _occupation_text(occupation) -> str:
    """The QR's occupation: name and code, or the name alone where both do not fit the QR's field."""
    text = f"{occupation.name}({occupation.code})"
    return text if len(text) <= MAX_TEXT_CHARS else occupation.name[:MAX_TEXT_CHARS]


def _prefix(issuer: CertificateIssuer, province: str, year: int, level: int, letters) -> str:
    try:
        return format_number(
            kind=issuer.kind,
            ministry=issuer.ministry,
            province=province,
            institution=issuer.serial,
            year=year,
            level=level,
            serial=1,
            kinds=letters,
        )[:16]
    except CertificateNumberError as exc:
        raise IllegalTransition("证书编码设置有误:" + ";".join(exc.errors) + ",请联系备案机关更正") from None


def awaiting_certificate() -> QuerySet[ExamResult]:
    """EXAM-12: the results that get a certificate and have none yet (passed, registration approved)."""
    return ExamResult.objects.filter(
        registration__status=Registration.Status.APPROVED, passed=True, registration__certificate__isnull=True
    )


@transaction.atomic
def certificates_issue(*, actor: Any, plan: ExamPlan, today: dt.date | None = None) -> list[Certificate]:
    """EXAM-12, 17: issue a certificate to every passed candidate of `plan` who has none yet, once the 公示
    window has closed without an open objection (the institution's admin). Numbers per EXAM-12 from the
    sequence of each prefix, one block per level; each certificate sealed with the platform's key (the QR
    payload). One audit event for the batch: the plan, the count and each level's number range (the
    certificates themselves say which registration holds which number).

    Lean for 100,000 at a time (issue 11, Performance): the candidates' columns only; each candidate's QR
    facts checked and encoded before the serials are reserved (their rows stay locked until we commit: a
    concurrent issuer of the same prefix waits there), so that afterwards only the numbers and signatures
    are left, each signature made while the database stores the rows before it (`bulk.insert`'s
    `before_write`)."""
    require(may_administer(actor, plan), "只有本机构的管理员可以发证")
    plan = lock(ExamPlan, plan.pk)
    if plan.status == ExamPlan.Status.CANCELLED:
        raise IllegalTransition("认定计划已撤销,不能发证")
    day = _today(today)
    publication = ResultPublication.objects.filter(plan=plan).first()
    open_objections = Objection.objects.filter(registration__plan=plan, status=Objection.Status.OPEN).count()
    refusal = rules.certificate_refusal(
        publication and publication.publicity_ends_on,
        publication and publication.objections_close_on,
        day,
        open_objections,
    )
    if refusal:
        raise IllegalTransition(refusal)
    batch = plan.batch
    institution = batch.institution
    occupation = batch.occupation
    issuer = CertificateIssuer.objects.filter(institution=institution).first()
    if issuer is None:
        raise IllegalTransition("本机构尚未设置证书编码(类别字母、评价机构序号),请联系备案机关设置")
    candidates = list(
        awaiting_certificate()
        .filter(registration__plan=plan)
        .order_by("registration__level", "registration__number")
        .values_list(
            "registration_id",
            "registration__number",
            "registration__level",
            "registration__person_id",
            "registration__person__name",
            "registration__person__id_number_masked",
        )
    )
    if not candidates:
        raise IllegalTransition("没有待发证的合格考生")
    key = signing_key()
    letters = kinds()
    province = institution.region_id[:2]
    qr_occupation = _occupation_text(occupation)
    prefixes: dict[int, str] = {}
    counts: dict[int, int] = {}
    issued: list[Certificate] = []
    templates: dict[int, tuple[SealTemplate, str]] = {}  # id(certificate) → its seal template, 报名号
    for registration_id, registration_number, level, person_id, name, masked in candidates:
        if level not in prefixes:
            prefixes[level] = _prefix(issuer, province, day.year, level, letters)
        counts[level] = counts.get(level, 0) + 1
        certificate = Certificate(
            number="",  # below, once the serials are reserved
            registration_id=registration_id,
            person_id=person_id,
            name=name,
            id_number_masked=masked,
            occupation_code=occupation.code,
            occupation_name=occupation.name,
            level=level,
            institution_id=institution.pk,
            institution_name=institution.name,
            issued_on=day,
            seal="",
        )
        # the QR's facts checked and encoded now, with the level's first number (only the serial differs)
        facts = CertificateFacts(
            f"{prefixes[level]}000001", name, masked, qr_occupation, level, institution.name, day
        )
        try:
            templates[id(certificate)] = (seal_template(facts, kinds=letters), registration_number)
        except SealError as exc:  # e.g. an institution name longer than the QR's field: nothing is issued
            raise IllegalTransition(f"报名 {registration_number} 的证书信息无法签名:{exc}") from None
        issued.append(certificate)
    # The serials last: their rows stay locked until we commit (a concurrent issuer of the same prefix
    # waits there), so everything that does not need a number is done before. Levels in ascending order,
    # as `issued` is sorted, the same order in every issuer: no deadlock.
    ranges: dict[str, dict[str, Any]] = {}  # level → its block of numbers
    start = 0
    for level, count in sorted(counts.items()):
        prefix = prefixes[level]
        serials = reserve_serials(prefix, count)
        for certificate, serial in zip(issued[start : start + count], serials, strict=True):
            certificate.number = f"{prefix}{serial:06d}"
        start += count
        ranges[str(level)] = {
            "count": count,
            "first": f"{prefix}{serials[0]:06d}",
            "last": f"{prefix}{serials[-1]:06d}",
        }

    def seal_of(certificate: Certificate) -> None:  # while the rows before it are being stored
        template, registration_number = templates[id(certificate)]
        try:
            certificate.seal = seal_number(template, certificate.number, key)
        except SealError as exc:
            raise IllegalTransition(f"报名 {registration_number} 的证书信息无法签名:{exc}") from None

    bulk.insert(Certificate, issued, before_write=seal_of)
    audit.record(
        actor=actor,
        action="exams.plan.issue_certificates",
        obj=plan,
        after={"count": len(issued), "issued_on": day.isoformat(), "numbers": ranges},
    )
    return issued


@transaction.atomic
def certificate_void(*, actor: Any, certificate: Certificate, reason: Any, row_version: Any) -> Certificate:
    """CERT-4: only the issuing unit voids, with a reason; the certificate stays public as voided."""
    certificate = lock_version(certificate, row_version)
    # CERT-4: the issuing unit only (谁发证、谁负责) — not a superuser, not the authority
    require(
        is_institution_admin(actor) and actor.institution_id == certificate.institution_id,
        "只有发证机构的管理员可以注销证书",
    )
    if certificate.status == Certificate.Status.VOIDED:
        raise IllegalTransition("该证书已注销")
    certificate.void_reason = checked_text(reason, "reason", "注销原因", limit=255)
    before = {"status": certificate.status}
    certificate.status = Certificate.Status.VOIDED
    certificate.voided_at, certificate.voided_by = timezone.now(), actor
    save_fields(certificate, ["status", "void_reason", "voided_at", "voided_by"])
    audit.record(
        actor=actor,
        action="exams.certificate.void",
        obj=certificate,
        before=before,
        after={"number": certificate.number, "reason": certificate.void_reason},
    )
    return certificate


def level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, str(level))
