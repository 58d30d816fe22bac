"""Writers of registrations (EXAM-1 step 3): submit (online or by the institution), the automatic
eligibility pre-check (EXAM-15), the two-level review (seed 003), fees (INST-6) and withdrawal."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.common import audit, pii
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.files import PAPER_KINDS, store_upload
from dudao.common.transitions import check_transition, transition
from dudao.common.writes import (
    checked_text,
    lock_version,
    parse_datetime,
    require,
    save_fields,
    save_new,
    unique_or_conflict,
)
from dudao.people import domain as people_domain
from dudao.people.services import person_for_candidate
from dudao.registry import domain as registry_domain

from ..domain import eligibility, rules
from ..models import ExamPlan, Registration, RegistrationFile, Seat
from ..permissions import may_run
from ..workflow import REGISTRATION_TRANSITIONS
from .eligibility_rules import rules_for_occupation

R = Registration.Status
PHOTO_MAX_BYTES = 5 * 1024 * 1024
NUMBER_PREFIX = "BM"
TICKET_PREFIX = "ZK"
EDUCATION_VALUES = frozenset(Registration.Education.values)  # the enum rebuilds its list on every read


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on", "是", "y"}
    return bool(value)


def facts_of(registration: Registration) -> dict[str, Any]:
    """The EXAM-15 facts of a registration, in the shape of `dudao eligibility check --facts`."""
    return {
        "level": registration.level,
        "work_years": float(registration.work_years),
        "apprenticeship_completed": registration.apprenticeship_completed,
        "education": {"kind": registration.education, "related": registration.education_related},
        "certificates": list(registration.certificates or []),
    }


def precheck(registration: Registration) -> dict[str, Any]:
    """EXAM-15 on the occupation's own rules when loaded (or shipped), else the national template."""
    facts = eligibility.parse_facts(facts_of(registration))
    return eligibility.check(facts, rules_for_occupation(registration.plan.batch.occupation))


def parse_fields(raw: Mapping[str, Any], plan: ExamPlan) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate a registration's fields (not the person): level, education, years, certificates."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    try:
        level = int(raw.get("level"))
    except (TypeError, ValueError):
        level = None
    if level not in plan.batch.levels:
        levels = "、".join(f"{n}级" for n in sorted(plan.batch.levels))
        errors["level"] = [f"申报等级应为本批次的等级之一:{levels}"]
    values["level"] = level
    education = str(raw.get("education") or "none")
    if education not in EDUCATION_VALUES:
        errors["education"] = ["学历选项无效"]
    values["education"] = education
    values["education_related"] = _flag(raw.get("education_related"))
    values["apprenticeship_completed"] = _flag(raw.get("apprenticeship_completed"))
    try:
        years = Decimal(str(raw.get("work_years") or 0))
        if not years.is_finite() or years < 0 or years > 60 or years != years.quantize(Decimal("0.1")):
            raise InvalidOperation
        values["work_years"] = years
    except InvalidOperation:
        errors["work_years"] = ["工作年限应为 0 至 60 之间的数,最多一位小数"]
    certificates = raw.get("certificates") or []
    if not certificates:  # nothing to check (most rows of a roster)
        values["certificates"] = []
    else:
        _check_certificates(certificates, level, values, errors)
    values["work_history"] = str(raw.get("work_history") or "").strip()[:2000]
    return values, errors


def _check_certificates(certificates: Any, level: int | None, values: dict, errors: dict) -> None:
    try:
        # the same checks as `dudao eligibility check` (one parser for the facts)
        eligibility.parse_facts(
            {
                "level": level if level in rules.LEVELS else 5,
                "work_years": 0,
                "apprenticeship_completed": False,
                "education": {"kind": "none", "related": False},
                "certificates": certificates,
            }
        )
        values["certificates"] = certificates
    except eligibility.EligibilityError as exc:
        errors["certificates"] = [str(exc)]


def _new_number(prefix: str, field: str) -> str:
    while True:
        number = rules.new_number(prefix)
        if not Registration.objects.filter(**{field: number}).exists():
            return number


def registration_channel(actor: Any, plan: ExamPlan, today: dt.date) -> bool:
    """Whether the institution's staff registers (True: while the plan is published or closed) or the
    candidate online (False: only while the published window is open, INST-6); refused otherwise."""
    by_institution = actor is not None and getattr(actor, "is_authenticated", False) and may_run(actor, plan)
    if by_institution:
        if plan.status not in (ExamPlan.Status.PUBLISHED, ExamPlan.Status.CLOSED):
            raise IllegalTransition("认定公告尚未发布或已撤销,不能报名")
    else:
        if plan.status != ExamPlan.Status.PUBLISHED:
            raise IllegalTransition("该认定公告不在报名阶段")
        if not rules.registration_open(plan.registration_opens_on, plan.registration_closes_on, today):
            raise IllegalTransition(
                f"报名时间为 {plan.registration_opens_on:%Y-%m-%d} 至 "
                f"{plan.registration_closes_on:%Y-%m-%d},当前不在报名期内"
            )
    return bool(by_institution)


@transaction.atomic
def registration_submit(
    *,
    actor: Any,
    plan: ExamPlan,
    name: Any,
    id_number: Any,
    phone: Any,
    values: Mapping[str, Any],
    photo: Any = None,
    files: Iterable[tuple[str, Any]] = (),
    today: dt.date | None = None,
) -> Registration:
    """Register a person for a plan's level: online by the candidate (actor anonymous) while the window is
    open (INST-6), or by the institution's staff while the plan is published or closed. The pre-check result
    is stored; the fee comes from the published standard. One live registration per person and level."""
    today = _today(today)
    filing = plan.batch.filing
    registry_domain.check_filing_allows_evaluation(filing.number, filing.status, field="plan")  # INST-3
    by_institution = registration_channel(actor, plan, today)
    errors: dict[str, list[str]] = {}
    name = str(name or "").strip()
    if not name:
        errors["name"] = ["请填写姓名"]
    elif len(name) > 64:
        errors["name"] = ["姓名不能超过 64 个字"]
    rid = None
    try:
        rid = people_domain.parse_resident_id(id_number, today=today)
    except ValidationFailed as exc:
        errors.update(exc.detail)
    try:
        phone = people_domain.validate_phone(phone)
        if not phone and not by_institution:
            errors["phone"] = ["请填写手机号"]
    except ValidationFailed as exc:
        errors.update(exc.detail)
    fields, field_errors = parse_fields(values, plan)
    errors.update(field_errors)
    if not by_institution and photo is None:
        errors["photo"] = ["请上传本人近期免冠照片(现场核验身份用)"]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
    assert rid is not None
    person = person_for_candidate(
        actor=actor, name=name, rid=rid, phone=phone, registered_by=plan.batch.filing.authority
    )
    if (
        Registration.objects.filter(plan=plan, person=person, level=fields["level"])
        .exclude(status=R.WITHDRAWN)
        .exists()
    ):
        raise Conflict(
            "该考生已报名本批次的这一等级", code="duplicate_registration", detail={"id_number": ["已报名"]}
        )
    registration = Registration(
        number=_new_number(NUMBER_PREFIX, "number"),
        plan=plan,
        person=person,
        phone=phone,
        source=Registration.Source.ROSTER if by_institution else Registration.Source.ONLINE,
        fee_amount=Decimal(plan.fees.get(str(fields["level"]), "0")),
        **fields,
    )
    registration.precheck = precheck(registration)
    registration.precheck_route = registration.precheck["route"] or ""
    try:
        with transaction.atomic():
            save_new(registration)
    except IntegrityError:
        raise Conflict("该考生已报名本批次的这一等级", code="duplicate_registration") from None
    uploader = actor if by_institution else None
    if photo is not None:
        _attach(registration, RegistrationFile.Material.PHOTO, photo, uploader, kinds={"photo"})
    for material, upload in files:
        if material not in RegistrationFile.Material.values:
            raise ValidationFailed("材料类别无效", detail={"files": [f"材料类别无效:{material}"]})
        _attach(registration, material, upload, uploader, kinds=PAPER_KINDS)
    audit.record(
        actor=actor,
        action="exams.registration.submit",
        obj=registration,
        after=registration_audit(registration),
    )
    return registration


def _attach(
    registration: Registration, material: str, upload: Any, uploader: Any, *, kinds
) -> RegistrationFile:
    stored = store_upload(upload, kinds=kinds, max_bytes=PHOTO_MAX_BYTES if material == "photo" else None)
    row = RegistrationFile(
        registration=registration, material=material, uploaded_by=uploader, **stored.fields()
    )
    save_new(row)
    return row


@functools.cache
def _audit_fields() -> tuple[str, ...]:
    # not the phone (personal data) nor the pre-check's wording (derived from the facts: its route is kept)
    return tuple(
        f.attname for f in Registration._meta.concrete_fields if f.attname not in ("phone", "precheck")
    )


def registration_audit(registration: Registration) -> dict[str, Any]:
    """The audit image of a new registration: its fields that hold a value (a new row's empty fields say
    nothing), the person's masked ID and whether the pre-check found a route. The roster import writes the
    same image (exams.bulk)."""
    values = operator.attrgetter(*_audit_fields())(registration)
    data = {
        name: value
        for name, value in zip(_audit_fields(), values, strict=True)
        if value is not None and value != "" and value != []
    }
    data["person"] = registration.person.id_number_masked
    data["eligible"] = bool((registration.precheck or {}).get("eligible"))
    return data


@transaction.atomic
def registration_review(
    *, actor: Any, registration: Registration, row_version: Any, approve: bool, reason: Any = ""
) -> Registration:
    """One level of the review (seed 003): the institution's admin first, then the authority that holds the
    filing. A refusal needs a reason, and so does approving someone the pre-check did not find eligible."""
    registration = lock_version(registration, row_version)
    reason = checked_text(reason, "reason", "审核意见", limit=255, required=False)
    first = registration.status == R.SUBMITTED
    to = (R.INSTITUTION_APPROVED if first else R.APPROVED) if approve else R.REJECTED
    check_transition(REGISTRATION_TRANSITIONS, registration, to, actor, noun="报名")
    if not approve and not reason:
        raise ValidationFailed("不予通过须填写原因", detail={"reason": ["不予通过须填写原因(考生可见)"]})
    if approve and not (registration.precheck or {}).get("eligible") and not reason:
        raise ValidationFailed(
            "系统预审未满足任何申报路径,审核通过须写明理由", detail={"reason": ["请写明审核通过的理由"]}
        )
    now = timezone.now()
    changes: dict[str, Any] = {"review_reason": reason}
    if first:
        changes |= {"institution_reviewed_at": now, "institution_reviewer": actor}
    else:
        changes |= {"authority_reviewed_at": now, "authority_reviewer": actor}
    if to == R.APPROVED:
        changes["ticket_number"] = _new_number(TICKET_PREFIX, "ticket_number")
    return transition(
        registration,
        to,
        actor=actor,
        table=REGISTRATION_TRANSITIONS,
        action="exams.registration.review",
        noun="报名",
        changes=changes,
    )


@transaction.atomic
def registration_withdraw(
    *,
    actor: Any,
    registration: Registration,
    row_version: Any,
    by_candidate: bool,
    today: dt.date | None = None,
) -> Registration:
    """Withdraw up to the published deadline (the candidate, or the institution for the candidate)."""
    registration = lock_version(registration, row_version)
    if not by_candidate:
        require(may_run(actor, registration), "只有本机构的工作人员可以代为撤回报名")
    plan = registration.plan
    if not rules.may_withdraw(plan.withdraw_deadline, _today(today)):
        raise IllegalTransition(f"撤回截止日期为 {plan.withdraw_deadline:%Y-%m-%d},已过期,不能撤回")
    # a withdrawn candidate keeps no seat (the deadline falls before the exam: nobody has checked in)
    freed = [str(seat) for seat in Seat.objects.filter(registration=registration).select_related("room")]
    Seat.objects.filter(registration=registration).delete()
    return transition(
        registration,
        R.WITHDRAWN,
        actor=actor,
        table=REGISTRATION_TRANSITIONS,
        action="exams.registration.withdraw",
        noun="报名",
        changes={"withdrawn_at": timezone.now(), "ticket_number": None},
        extra={"seats_freed": freed} if freed else None,
    )


@transaction.atomic
def registration_record_fee(
    *, actor: Any, registration: Registration, row_version: Any, receipt_no: Any, paid_at: Any = None
) -> Registration:
    """INST-6: record the receipt of the fee (the amount is the published standard, not typed)."""
    registration = lock_version(registration, row_version)
    require(may_run(actor, registration), "只有本机构的工作人员可以登记缴费")
    if registration.status in (R.WITHDRAWN, R.REJECTED):
        raise IllegalTransition("已撤回或未通过审核的报名不能登记缴费")
    receipt = checked_text(receipt_no, "receipt_no", "收据号", limit=40)
    if (
        Registration.objects.filter(plan=registration.plan, fee_receipt_no=receipt)
        .exclude(pk=registration.pk)
        .exists()
    ):
        raise Conflict("该收据号已用于本批次的其他考生", detail={"receipt_no": ["收据号重复"]})
    before = audit.snapshot(registration)
    registration.fee_receipt_no = receipt
    registration.fee_paid_at = parse_datetime(paid_at, "paid_at", "缴费时间") if paid_at else timezone.now()
    with unique_or_conflict("该收据号已用于本批次的其他考生", "receipt_no"):  # two at once: the constraint
        save_fields(registration, ["fee_receipt_no", "fee_paid_at"])
    audit.record(
        actor=actor,
        action="exams.registration.fee",
        obj=registration,
        before=before,
        after=audit.snapshot(registration),
    )
    return registration


def find_own_registration(number: Any, id_number: Any) -> Registration | None:
    """A candidate's own registration: the 报名号 and the full ID number must both match (public pages)."""
    number = str(number or "").strip().upper()
    try:
        rid = people_domain.parse_resident_id(id_number)
    except ValidationFailed:
        return None
    registration = (
        Registration.objects.filter(number=number)
        .select_related("plan__batch__institution", "plan__batch__occupation", "person")
        .first()
    )
    if registration is None:
        return None
    if registration.person.id_number_index not in pii.blind_index_candidates(rid.number):
        return None
    return registration


OWN_TOKEN_SALT = "dudao.exams.own-registration"  # noqa: S105 (a signing namespace, not a secret)


def own_registration_token(registration: Registration) -> str:
    """What the candidate's page carries in its forms (withdraw, ticket) after the 报名号 + ID number check,
    instead of echoing the full ID number into the page: the registration signed with a timestamp,
    good for DUDAO_OWN_REGISTRATION_TOKEN_MINUTES."""
    return signing.TimestampSigner(salt=OWN_TOKEN_SALT).sign(str(registration.pk))


def registration_from_token(token: Any) -> Registration | None:
    """The registration a token names while it is fresh; None if forged, altered or expired."""
    max_age = dt.timedelta(minutes=settings.DUDAO_OWN_REGISTRATION_TOKEN_MINUTES)
    try:
        pk = signing.TimestampSigner(salt=OWN_TOKEN_SALT).unsign(str(token or ""), max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return (
        Registration.objects.filter(pk=int(pk))
        .select_related("plan__batch__institution", "plan__batch__occupation", "person")
        .first()
    )


def candidate_may_act(registration: Registration, number: Any, id_number: Any) -> None:
    """Refuse (403) a public action unless the caller proved they are the registration's candidate."""
    found = find_own_registration(number, id_number)
    if found is None or found.pk != registration.pk:
        raise PermissionDenied("报名号与身份证号不匹配")
