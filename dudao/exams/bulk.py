"""Roster import (报名名册, issue 10 item 2): many registrations of one batch in one go, with the rules of the
one-row path `services.registration_submit` as the institution uses it (EXAM-1 step 3, EXAM-15, INST-6).

Per row: name and resident ID (python-stdnum, people domain), phone, the registration's fields
(`registrations.parse_fields`: level of the batch, education, years, certificates), the Person of the ID
number reused when the name matches (`person_for_candidate`) or created (encrypted, blind index), one live
registration per person and level (within the file and against the database), the fee from the published
standard, a receipt number unique in the batch (`registration_record_fee`), and the EXAM-15 pre-check stored
with its route (`eligibility.check` on `facts_of`, as `precheck` does). Every problem of every row is
collected; `BulkRefused` lists them and nothing is written. Then persons and registrations are inserted in
batches with one audit event per row (`audit.record_many`) under the one-row actions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.common import audit, pii
from dudao.common.bulk import BulkResult, Problems, build, chunks, existing, insert
from dudao.common.domain import canonical_json
from dudao.common.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.writes import text
from dudao.people import domain as people_domain
from dudao.people.bulk import save_persons
from dudao.people.models import Person
from dudao.people.person_rules import parse_person_fields
from dudao.registry import domain as registry_domain
from dudao.registry.models import Batch
from dudao.registry.selectors import batches_for

from .domain import eligibility, rules
from .models import ExamPlan, Registration
from .permissions import may_run
from .services.eligibility_rules import rules_for_occupation
from .services.registrations import NUMBER_PREFIX, facts_of, parse_fields, registration_audit

Rows = Sequence[tuple[int, Mapping[str, Any]]]
AUDIT_CHUNK = 20_000
R = Registration.Status
NO_EDUCATION, ROSTER = Registration.Education.NONE.value, Registration.Source.ROSTER.value

# parse_fields' error keys → the import column they come from.
FIELD_TO_COLUMN = {"certificates": "certificate_level"}
NAME_MISMATCH = "姓名与身份证号登记信息不一致,请核对;如确需更正,请联系评价机构"  # person_for_candidate


def plan_for_roster(actor: Any, code: Any) -> ExamPlan:
    """The plan of the batch `code` that `actor` may fill with a roster: the batch inside the actor's scope
    (an unknown code and one outside it read alike), run by the actor's institution, its notice published
    or its registration closed (as `registration_submit` allows the institution)."""
    code = text(code)
    batch = (
        batches_for(actor)
        .select_related("institution", "occupation", "filing__authority")
        .filter(code=code)
        .first()
    )
    if batch is None:
        raise NotFound(f"批次编号「{code[:40]}」不存在或不在您的数据范围内")
    if not may_run(actor, batch):
        raise PermissionDenied("只有承办该批次的评价机构的工作人员可以导入考生")
    plan = ExamPlan.objects.filter(batch=batch).first()
    if plan is None or plan.status not in (ExamPlan.Status.PUBLISHED, ExamPlan.Status.CLOSED):
        raise IllegalTransition("该批次的认定公告尚未发布或已撤销,不能导入考生")
    registry_domain.check_filing_allows_evaluation(batch.filing.number, batch.filing.status, field="plan")
    plan.batch = batch  # one object: the rows read its levels, occupation and authority
    return plan


def _certificates(problems: Problems, number: int, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The row's certificate (at most one) in the EXAM-15 facts' shape; a certificate needs its level
    unless it is a 预备技师 certificate (whose level is ignored)."""
    level = row.get("certificate_level")
    preparatory = bool(row.get("preparatory_technician"))
    related = bool(row.get("certificate_related"))
    years = row.get("work_years_after")
    if years is not None and years < 0:
        problems.add(number, "work_years_after", "取得证书后工作年限不能为负数", years)
        years = None
    if level is None and not preparatory:
        if related or years is not None:
            problems.add(
                number,
                "certificate_level",
                "填写了证书信息,但未填写已取得证书等级(预备技师证书请在“是否预备技师”填“是”)",
            )
        return []
    certificate: dict[str, Any] = {
        "related": related,
        "preparatory_technician": preparatory,
        "work_years_after": float(years or 0),
    }
    if level is not None:
        certificate["level"] = int(level)
    return [certificate]


def _facts_key(registration: Registration) -> tuple:
    return (
        registration.level,
        registration.work_years,
        registration.apprenticeship_completed,
        registration.education,
        registration.education_related,
        tuple(tuple(sorted(c.items())) for c in registration.certificates),
    )


class _Prechecks:
    """EXAM-15 pre-checks of many rows: the rules read once (precheck reads them per call), the result of
    `eligibility.check` kept per distinct facts (a roster repeats few combinations)."""

    def __init__(self, occupation):
        self.rules = rules_for_occupation(occupation)  # the loaded set, the shipped file or the template
        self.results: dict[tuple, dict[str, Any]] = {}

    def __call__(self, registration: Registration) -> dict[str, Any]:
        key = _facts_key(registration)
        result = self.results.get(key)
        if result is None:
            facts = eligibility.parse_facts(facts_of(registration))
            result = self.results[key] = eligibility.check(facts, self.rules)
        return result


class _Persons:
    """person_for_candidate for many rows: the Person of each ID number (any key version of its blind
    index), registered already or built once for the file's first row that carries it."""

    def __init__(self, numbers: list[str], registered_by: Any):
        self.registered_by = registered_by
        # every ID number's blind index under each configured key, current first (computed once)
        self.indexes = {n: pii.blind_index_candidates(n) for n in numbers}
        candidates = sorted({c for found in self.indexes.values() for c in found})
        self.known: dict[str, Person] = {}
        for chunk in chunks(candidates, 900):
            found = Person.objects.filter(id_number_index__in=chunk).only(
                "id", "name", "id_number_index", "id_number_masked"
            )
            for person in found:
                self.known[person.id_number_index] = person
        self.built: dict[str, tuple[Person, int]] = {}  # current index → (person, first row)
        self.new: list[Person] = []

    def resolve(
        self, problems: Problems, number: int, name: str, rid: people_domain.ResidentId, phone: str
    ) -> tuple[Person | None, str]:
        """The row's person (registered or new) and the current blind index; None on a problem."""
        indexes = self.indexes.get(rid.number) or pii.blind_index_candidates(rid.number)
        index = indexes[0]
        for candidate in indexes:
            if candidate in self.known:
                known = self.known[candidate]
                if known.name != name:  # SEC-3: never echo the registered name
                    problems.add(number, "name", NAME_MISMATCH, name)
                    return None, index
                return known, index
        if index in self.built:
            person, first = self.built[index]
            if person.name != name:
                problems.add(number, "name", f"与第 {first} 行身份证号相同但姓名不同,请核对", name)
                return None, index
            return person, index
        person = build(
            Person,
            {
                "name": name,
                "id_number_encrypted": pii.encrypt(rid.number),
                "id_number_index": index,
                "id_number_masked": rid.masked,
                "gender": rid.gender,
                "birth_date": rid.birth_date,
                "phone": phone,
                "employer_name": "",
            },
            {"registered_by": self.registered_by},
        )
        # No field_errors(person): every field comes from a checked value (the name by parse_person_fields,
        # the ID and what it tells by stdnum, the phone by validate_phone; cells hold no control characters).
        self.built[index] = (person, number)
        self.new.append(person)
        return person, index


def _unique_numbers(count: int) -> list[str]:
    """`count` new registration numbers (rules.new_number), none already taken nor repeated."""
    numbers: set[str] = set()
    while len(numbers) < count:
        fresh = {rules.new_number(NUMBER_PREFIX) for _ in range(count - len(numbers))} - numbers
        numbers |= fresh - set(existing(Registration, "number", fresh))
    return sorted(numbers)


@transaction.atomic
def candidates_create(*, actor: Any, rows: Rows, batch: Any, dry_run: bool = False) -> BulkResult:
    """registration_submit by the batch's institution for every row (source 机构导入); all or nothing.

    Keys: the roster columns (exams.imports.CANDIDATE_COLUMNS). `batch` is the batch's code."""
    plan = plan_for_roster(actor, batch)
    batch_row: Batch = plan.batch
    prechecks = _Prechecks(batch_row.occupation)
    problems = Problems()
    persons = _Persons(
        [n for n in (_full_number(row.get("id_number")) for _n, row in rows) if n],
        batch_row.filing.authority,
    )
    live = set(
        Registration.objects.filter(plan=plan).exclude(status=R.WITHDRAWN).values_list("person_id", "level")
    )
    receipts = set(
        Registration.objects.filter(plan=plan)
        .exclude(fee_receipt_no="")
        .values_list("fee_receipt_no", flat=True)
    )
    fees = {level: Decimal(plan.fees.get(str(level), "0")) for level in batch_row.levels}
    now = timezone.now()
    first_of: dict[tuple[str, int], int] = {}
    receipt_row: dict[str, int] = {}
    built: list[Registration] = []
    for number, row in rows:
        name, rid, errors = parse_person_fields(row.get("name"), text(row.get("id_number")))
        try:
            phone = people_domain.validate_phone(text(row.get("phone")))
        except ValidationFailed as exc:
            errors.update(exc.detail)
            phone = ""
        certificates = _certificates(problems, number, row)
        raw = {
            "level": row.get("level"),
            "education": row.get("education") or NO_EDUCATION,
            "education_related": bool(row.get("education_related")),
            "apprenticeship_completed": bool(row.get("apprenticeship_completed")),
            "work_years": row.get("work_years") or 0,
            "certificates": certificates,
        }
        fields, field_problems = parse_fields(raw, plan)
        errors.update(field_problems)
        for field, messages in errors.items():
            column = FIELD_TO_COLUMN.get(field, field)
            for message in messages:
                problems.add(number, column, message, row.get(column))
        receipt = text(row.get("receipt_no"))
        if receipt:
            if receipt in receipts:
                problems.add(number, "receipt_no", "该收据号已用于本批次的其他考生", receipt)
            elif receipt in receipt_row:
                problems.add(number, "receipt_no", f"收据号与第 {receipt_row[receipt]} 行重复", receipt)
            else:
                receipt_row[receipt] = number
        if rid is None or "name" in errors:
            continue
        person, index = persons.resolve(problems, number, name, rid, phone)
        level = fields["level"]
        if person is None or level is None or "level" in errors:
            continue
        key = (index, level)
        if key in first_of:
            problems.add(
                number, "id_number", f"与第 {first_of[key]} 行重复:同一考生同一等级只能报名一次", rid.masked
            )
            continue
        first_of[key] = number
        if person.pk is not None and (person.pk, level) in live:
            problems.add(number, "id_number", "该考生已报名本批次的这一等级", rid.masked)
            continue
        if problems.has(number):
            continue
        values = {
            **fields,
            "source": ROSTER,
            "phone": phone,
            "fee_amount": fees[level],
            "fee_receipt_no": receipt,
            "fee_paid_at": now if receipt else None,
        }
        built.append(build(Registration, values, {"plan": plan, "person": person}))
    problems.raise_if_any()
    for registration in built:
        registration.precheck = prechecks(registration)
        registration.precheck_route = registration.precheck["route"] or ""
    if not dry_run:
        for registration, code in zip(built, _unique_numbers(len(built)), strict=True):
            registration.number = code
        save_persons(actor, persons.new)
        insert(Registration, built)
        for part in chunks(built, AUDIT_CHUNK):  # the texts of one chunk at a time (memory)
            audit.record_many(
                actor=actor, action="exams.registration.submit", objects=part, after_json=_audit_texts(part)
            )
    return BulkResult(rows=len(rows), created=len(built), objects=built)


def _audit_texts(registrations: Sequence[Registration]) -> list[str]:
    """The one-row path's audit image of each row (services.registrations.registration_audit), as text."""
    return [canonical_json(registration_audit(r)) for r in registrations]


def _full_number(value: Any) -> str | None:
    number = people_domain.normalise_id_number(text(value))
    return number if len(number) == 18 else None
