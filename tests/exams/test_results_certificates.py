"""Issue 11 services: results recorded from marks (EXAM-14/16/18 through the judge), published with the 公示
and objection windows (EXAM-9, 17), objections handled, certificates issued after the window with EXAM-12
numbers from the per-prefix sequence (CERT-1), sealed (offline-verifiable) and voided by the issuer only
(CERT-4)."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.exams import services
from dudao.exams.domain.certificate_numbers import check_number
from dudao.exams.domain.certificate_seal import verify_seal
from dudao.exams.models import (
    Certificate,
    CertificateSerial,
    ExamPlan,
    ExamResult,
    Objection,
    ResultPublication,
)
from dudao.people.models import Person
from tests import factories as f
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db

AFTER_EXAM = fx.EXAM_DAY + dt.timedelta(days=1)  # Monday 2026-12-21
PUBLICITY_ENDS = dt.date(2026, 12, 28)  # 5 working days after 12-21: 22, 23, 24, 25, 28


def passing(level: int = 4) -> list[dict]:
    subjects = [{"subject": "theory", "marks": [70, 74]}, {"subject": "practical", "panel": [80, 82, 78]}]
    if level <= 2:
        subjects.append({"subject": "review", "panel": [65, 70, 62]})
    return subjects


def failing_theory() -> list[dict]:
    return [{"subject": "theory", "mark": 59.5}, {"subject": "practical", "panel": [80, 82, 78]}]


@pytest.fixture
def after_exam(time_machine):
    time_machine.move_to(fx.at(AFTER_EXAM, 10))


@pytest.fixture
def cohort(plan, inst_admin, auth_staff):
    """Three approved candidates at level 4 of the published plan."""
    return [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2, 3)]


@pytest.fixture
def issuer(institution, auth_staff):
    return services.certificate_issuer_set(actor=auth_staff, institution=institution, serial="000123")


def record(plan, actor, marks: dict) -> list[ExamResult]:
    return services.results_record(
        actor=actor, plan=plan, entries=[{"registration": r.number, "subjects": s} for r, s in marks.items()]
    )


@pytest.fixture
def published(plan, cohort, inst_admin, after_exam):
    a, b, c = cohort
    record(plan, inst_admin, {a: passing(), b: passing(), c: failing_theory()})
    return services.results_publish(actor=inst_admin, plan=plan)


# ------------------------------------------------------------------------------------------- results


def test_results_are_judged_per_registration(plan, cohort, inst_admin, after_exam):
    a, b, c = cohort
    record(
        plan, inst_admin, {a: passing(), b: [{"subject": "theory", "marks": [50, 70]}], c: failing_theory()}
    )
    by_number = {r.registration.number: r for r in ExamResult.objects.all()}
    assert by_number[a.number].passed is True
    assert by_number[b.number].passed is None  # EXAM-16: 20 apart needs a third marker; practical missing
    assert by_number[b.number].judged["subjects"][0]["status"] == "needs_third"
    assert by_number[c.number].passed is False  # EXAM-14: 59.5 < 60 fails even though it shows 59.5


def test_recording_is_all_or_nothing_with_the_registration_named(plan, cohort, inst_admin, after_exam):
    a, b, _ = cohort
    with pytest.raises(ValidationFailed) as exc:
        record(plan, inst_admin, {a: passing(), b: [{"subject": "theory", "mark": 101}]})
    assert any(b.number in key for key in exc.value.detail)
    assert not ExamResult.objects.exists()
    with pytest.raises(ValidationFailed):
        services.results_record(
            actor=inst_admin, plan=plan, entries=[{"registration": "BM-NOT-HERE", "subjects": passing()}]
        )


def test_only_approved_candidates_of_the_plan_get_results(plan, inst_admin, after_exam):
    pending = fx.register(plan, 9, actor=inst_admin)  # submitted, not approved
    with pytest.raises(ValidationFailed):
        record(plan, inst_admin, {pending: passing()})


def test_results_before_the_exam_starts_are_refused(plan, cohort, inst_admin, time_machine):
    time_machine.move_to(fx.at(fx.EXAM_DAY, 7, 59))
    with pytest.raises(IllegalTransition):
        record(plan, inst_admin, {cohort[0]: passing()})
    time_machine.move_to(fx.at(fx.EXAM_DAY, 8, 0))  # the batch starts at 08:00
    assert len(record(plan, inst_admin, {cohort[0]: passing()})) == 1


def test_only_the_institution_records_results(plan, cohort, users, after_exam):
    for role in (Role.AUTHORITY_STAFF, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER):
        with pytest.raises(PermissionDenied):
            record(plan, users[role], {cohort[0]: passing()})
    assert not ExamResult.objects.exists()


def test_re_recording_bumps_the_version_and_unchanged_marks_are_skipped(plan, cohort, inst_admin, after_exam):
    a = cohort[0]
    record(plan, inst_admin, {a: failing_theory()})
    assert record(plan, inst_admin, {a: failing_theory()}) == []
    record(plan, inst_admin, {a: passing()})
    result = ExamResult.objects.get()
    assert (result.version, result.passed) == (2, True)


# --------------------------------------------------------------------------------------- publication


def test_publication_needs_every_candidate_decided(plan, cohort, inst_admin, after_exam):
    a, b, c = cohort
    record(plan, inst_admin, {a: passing(), b: passing()})
    with pytest.raises(IllegalTransition, match="1 名考生未登记成绩"):
        services.results_publish(actor=inst_admin, plan=plan)
    record(
        plan,
        inst_admin,
        {c: [{"subject": "theory", "marks": [50, 70]}, {"subject": "practical", "mark": 70}]},
    )
    with pytest.raises(IllegalTransition, match="待定"):
        services.results_publish(actor=inst_admin, plan=plan)
    assert not ResultPublication.objects.exists()


def test_publication_windows_count_working_days(published):
    assert published.publicity_ends_on == PUBLICITY_ENDS
    assert published.objections_close_on > published.publicity_ends_on


def test_results_reach_the_candidate_only_after_publication(plan, cohort, inst_admin, after_exam):
    record(plan, inst_admin, {r: passing() for r in cohort})
    assert services.published_result(cohort[0]) is None  # EXAM-9
    services.results_publish(actor=inst_admin, plan=plan)
    assert services.published_result(cohort[0]).passed is True


def test_after_publication_marks_change_only_through_an_objection(plan, cohort, inst_admin, published):
    with pytest.raises(IllegalTransition):
        record(plan, inst_admin, {cohort[2]: passing()})


def test_a_non_admin_cannot_publish(plan, cohort, users, inst_admin, after_exam):
    record(plan, inst_admin, {r: passing() for r in cohort})
    with pytest.raises(PermissionDenied):
        services.results_publish(actor=users[Role.INSTITUTION_STAFF], plan=plan)


# ----------------------------------------------------------------------------------------- objections


def test_objection_window_last_day_is_open_and_the_next_is_closed(cohort, published):
    last = published.objections_close_on
    services.objection_file(registration=cohort[2], subject="theory", reason="理论成绩偏低", today=last)
    with pytest.raises(IllegalTransition):
        services.objection_file(
            registration=cohort[2], subject="practical", reason="复核", today=last + dt.timedelta(days=1)
        )


def test_one_objection_per_subject_and_only_for_subjects_with_marks(cohort, published):
    services.objection_file(registration=cohort[2], subject="theory", reason="复核")
    with pytest.raises(Conflict):
        services.objection_file(registration=cohort[2], subject="theory", reason="再次复核")
    with pytest.raises(ValidationFailed):
        services.objection_file(registration=cohort[2], subject="review", reason="没有该科目")


def test_no_objection_before_publication(plan, cohort, inst_admin, after_exam):
    record(plan, inst_admin, {cohort[0]: passing()})
    with pytest.raises(IllegalTransition):
        services.objection_file(registration=cohort[0], subject="theory", reason="复核")


def test_an_upheld_objection_rejudges_and_keeps_before_and_after(cohort, inst_admin, published):
    objection = services.objection_file(registration=cohort[2], subject="theory", reason="漏计一题")
    handled = services.objection_handle(
        actor=inst_admin,
        objection=objection,
        outcome="复核发现漏计 1 分,更正为 60.5",
        subject_marks={"subject": "theory", "mark": 60.5},
    )
    assert handled.status == Objection.Status.UPHELD
    assert handled.before["pass"] is False and handled.after["pass"] is True
    result = ExamResult.objects.get(registration=cohort[2])
    assert (result.passed, result.version) == (True, 2)
    with pytest.raises(Conflict):
        services.objection_handle(actor=inst_admin, objection=handled, outcome="再处理")


def test_a_dismissed_objection_keeps_the_marks(cohort, inst_admin, published):
    objection = services.objection_file(registration=cohort[2], subject="theory", reason="复核")
    services.objection_handle(actor=inst_admin, objection=objection, outcome="复核无误,维持原成绩")
    objection.refresh_from_db()
    assert objection.status == Objection.Status.DISMISSED
    assert ExamResult.objects.get(registration=cohort[2]).passed is False


# --------------------------------------------------------------------------------------- certificates


def test_certificates_wait_for_the_window_to_close(plan, inst_admin, issuer, published):
    closes = published.objections_close_on
    assert closes > PUBLICITY_ENDS  # 10 against 5 working days (EXAM-17 defaults)
    with pytest.raises(IllegalTransition, match="公示期"):
        services.certificates_issue(actor=inst_admin, plan=plan, today=PUBLICITY_ENDS)  # last day: not yet
    with pytest.raises(IllegalTransition, match="复核申请截止"):  # a re-check could still change a result
        services.certificates_issue(actor=inst_admin, plan=plan, today=closes)
    assert not Certificate.objects.exists()
    issued = services.certificates_issue(actor=inst_admin, plan=plan, today=closes + dt.timedelta(days=1))
    assert len(issued) == 2  # EXAM-12: only the two passed candidates


def test_an_open_objection_holds_certificates_back(plan, cohort, inst_admin, issuer, published):
    objection = services.objection_file(registration=cohort[0], subject="practical", reason="复核")
    day = published.objections_close_on + dt.timedelta(days=1)
    with pytest.raises(IllegalTransition, match="复核申请未处理"):
        services.certificates_issue(actor=inst_admin, plan=plan, today=day)
    services.objection_handle(actor=inst_admin, objection=objection, outcome="维持")
    assert len(services.certificates_issue(actor=inst_admin, plan=plan, today=day)) == 2


def test_a_correction_must_decide_the_result(cohort, inst_admin, published):
    objection = services.objection_file(registration=cohort[2], subject="theory", reason="复核")
    with pytest.raises(ValidationFailed, match="仍未确定"):
        services.objection_handle(
            actor=inst_admin,
            objection=objection,
            outcome="两评差距大",
            subject_marks={"subject": "theory", "marks": [40, 80]},
        )
    assert ExamResult.objects.get(registration=cohort[2]).version == 1


def test_a_certified_result_is_not_changed_without_voiding_first(plan, cohort, inst_admin, issuer, published):
    services.certificates_issue(
        actor=inst_admin, plan=plan, today=published.objections_close_on + dt.timedelta(days=1)
    )
    # an objection row that reached the institution another way (e.g. filed on paper before the deadline)
    objection = Objection.objects.create(
        registration=cohort[0], subject="theory", reason="复核", filed_at=cohort[0].created_at
    )
    with pytest.raises(Conflict, match="注销证书"):
        services.objection_handle(
            actor=inst_admin,
            objection=objection,
            outcome="更正",
            subject_marks={"subject": "theory", "mark": 30},
        )
    assert ExamResult.objects.get(registration=cohort[0]).passed is True


def test_a_name_too_long_for_the_qr_is_refused_and_nothing_is_issued(
    plan, institution, inst_admin, issuer, published
):
    institution.name = "很" * 101
    institution.save()
    with pytest.raises(IllegalTransition, match="无法签名"):
        services.certificates_issue(actor=inst_admin, plan=plan, today=dt.date(2027, 1, 15))
    assert not Certificate.objects.exists() and not CertificateSerial.objects.exists()


def test_a_cancelled_plan_issues_nothing(plan, inst_admin, issuer, published):
    ExamPlan.objects.filter(pk=plan.pk).update(status=ExamPlan.Status.CANCELLED)
    with pytest.raises(IllegalTransition, match="已撤销"):
        services.certificates_issue(actor=inst_admin, plan=plan, today=dt.date(2027, 1, 15))


def test_no_certificates_before_publication_or_without_an_issuer(
    plan, cohort, inst_admin, auth_staff, after_exam
):
    record(plan, inst_admin, {r: passing() for r in cohort})
    with pytest.raises(IllegalTransition, match="尚未公示"):
        services.certificates_issue(actor=inst_admin, plan=plan, today=dt.date(2027, 3, 1))
    services.results_publish(actor=inst_admin, plan=plan)
    with pytest.raises(IllegalTransition, match="证书编码"):
        services.certificates_issue(actor=inst_admin, plan=plan, today=dt.date(2027, 3, 1))


def test_numbers_follow_exam_12_and_the_sequence_is_never_restarted(
    plan, cohort, institution, inst_admin, auth_staff, issuer, published
):
    day = dt.date(2027, 1, 15)
    first = services.certificates_issue(actor=inst_admin, plan=plan, today=day)
    numbers = sorted(c.number for c in first)
    region = institution.region_id[:2]
    assert numbers == [f"S0000{region}00012327400000{n}" for n in (1, 2)]
    assert all(check_number(n).valid for n in numbers)
    # voiding keeps the number spent; a later batch of the same prefix continues after it (CERT-1)
    services.certificate_void(actor=inst_admin, certificate=first[0], reason="信息有误", row_version=1)
    batch2 = fx.exam_batch(institution, code="PC-EXAM-2", occupation=plan.batch.occupation)
    batch2.starts_at, batch2.ends_at = fx.at(fx.EXAM_DAY, 8), fx.at(fx.EXAM_DAY, 18)
    batch2.save()
    plan2 = fx.exam_plan(batch2, inst_admin)
    reg = fx.approve(fx.register(plan2, 7, actor=inst_admin), inst_admin, auth_staff)
    record(plan2, inst_admin, {reg: passing()})
    services.results_publish(actor=inst_admin, plan=plan2)
    (later,) = services.certificates_issue(actor=inst_admin, plan=plan2, today=day)
    assert later.number.endswith("000003")
    assert CertificateSerial.objects.get().last == 3


def test_one_audit_event_records_the_batch_with_each_level_s_block_of_numbers(
    plan, cohort, institution, inst_admin, auth_staff, issuer, after_exam
):
    a, b, c = cohort  # level 4
    d = fx.register(plan, 4, level=2, actor=inst_admin, work_years="20")
    for reviewer in (inst_admin, auth_staff):  # a level-2 path the pre-check does not know: with a reason
        d = services.registration_review(
            actor=reviewer, registration=d, row_version=d.row_version, approve=True, reason="材料齐全"
        )
    record(plan, inst_admin, {a: passing(), b: passing(), c: failing_theory(), d: passing(2)})
    services.results_publish(actor=inst_admin, plan=plan)
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    issued = services.certificates_issue(actor=inst_admin, plan=plan, today=dt.date(2027, 1, 15))
    region = institution.region_id[:2]
    two, four = f"S0000{region}000123272", f"S0000{region}000123274"
    # levels ascending, each level in registration-number order, one block of serials per level
    in_order = [d, *sorted((a, b), key=lambda r: r.number)]
    assert [(x.number, x.registration_id) for x in issued] == [
        (f"{two}000001", d.pk),
        (f"{four}000001", in_order[1].pk),
        (f"{four}000002", in_order[2].pk),
    ]
    (event,) = AuditEvent.objects.filter(id__gt=last_event)  # one event, not one per certificate
    assert (event.action, event.object_type, event.object_id) == (
        "exams.plan.issue_certificates",
        "exams.examplan",
        str(plan.pk),
    )
    assert event.after == {
        "count": 3,
        "issued_on": "2027-01-15",
        "numbers": {
            "2": {"count": 1, "first": f"{two}000001", "last": f"{two}000001"},
            "4": {"count": 2, "first": f"{four}000001", "last": f"{four}000002"},
        },
    }
    assert audit.verify_chain().ok
    # what is stored is what was returned; each seal states the stored facts
    public = services.certificate_signing_key().public_key()
    stored = {x.pk: x for x in Certificate.objects.select_related("registration__person", "institution")}
    assert set(stored) == {x.pk for x in issued}
    for cert in issued:
        row = stored[cert.pk]
        person = row.registration.person
        assert (row.number, row.registration_id, row.person_id, row.seal) == (
            cert.number,
            cert.registration_id,
            person.pk,
            cert.seal,
        )
        assert (row.name, row.id_number_masked, row.level) == (
            person.name,
            person.id_number_masked,
            row.registration.level,
        )
        assert (row.institution_id, row.institution_name, row.issued_on, row.status, row.row_version) == (
            institution.pk,
            institution.name,
            dt.date(2027, 1, 15),
            Certificate.Status.VALID,
            1,
        )
        assert (row.occupation_code, row.occupation_name) == (
            plan.batch.occupation.code,
            plan.batch.occupation.name,
        )
        facts = verify_seal(row.seal, public).facts
        assert facts.as_json() == {
            "number": row.number,
            "name": person.name,
            "masked_id": person.id_number_masked,
            "occupation": f"{row.occupation_name}({row.occupation_code})",
            "level": row.level,
            "institution": institution.name,
            "issue_date": "2027-01-15",
        }
    assert CertificateSerial.objects.get(prefix=four).last == 2


def test_a_candidate_whose_facts_cannot_be_sealed_stops_the_whole_batch(
    plan, cohort, inst_admin, issuer, published
):
    """One candidate's facts that the QR refuses (not the level's first) refuse the batch: nothing issued."""
    second = max(cohort[:2], key=lambda r: r.number)  # the level's second candidate
    Person.objects.filter(pk=second.person_id).update(name="考生\t二")  # not one line: the QR refuses it
    with pytest.raises(IllegalTransition, match=f"报名 {second.number} 的证书信息无法签名"):
        services.certificates_issue(actor=inst_admin, plan=plan, today=dt.date(2027, 1, 15))
    assert not Certificate.objects.exists() and not CertificateSerial.objects.exists()
    assert not AuditEvent.objects.filter(action="exams.plan.issue_certificates").exists()


def test_the_seal_verifies_offline_with_the_public_key(plan, inst_admin, issuer, published):
    cert = services.certificates_issue(actor=inst_admin, plan=plan, today=dt.date(2027, 1, 15))[0]
    verdict = verify_seal(cert.seal, services.certificate_signing_key().public_key())
    assert verdict.valid and verdict.facts.number == cert.number
    assert "*" in verdict.facts.masked_id
    tampered = cert.seal[:-2] + ("AA" if not cert.seal.endswith("AA") else "BB")
    assert not verify_seal(tampered, services.certificate_signing_key().public_key()).valid


def test_only_the_issuing_admin_voids_with_a_reason(
    plan, users, inst_admin, issuer, published, other_institution
):
    cert = services.certificates_issue(actor=inst_admin, plan=plan, today=dt.date(2027, 1, 15))[0]
    other_admin = f.UserFactory(role=Role.INSTITUTION_ADMIN, institution=other_institution)
    superuser = f.UserFactory(is_superuser=True, is_staff=True)
    for actor in (users[Role.INSTITUTION_STAFF], users[Role.AUTHORITY_STAFF], other_admin, superuser):
        with pytest.raises(PermissionDenied):
            services.certificate_void(
                actor=actor, certificate=cert, reason="错误", row_version=cert.row_version
            )
    with pytest.raises(ValidationFailed):
        services.certificate_void(
            actor=inst_admin, certificate=cert, reason=" ", row_version=cert.row_version
        )
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.VALID
    services.certificate_void(
        actor=inst_admin, certificate=cert, reason="冒名顶替", row_version=cert.row_version
    )
    cert.refresh_from_db()
    assert (cert.status, cert.void_reason) == (Certificate.Status.VOIDED, "冒名顶替")
    with pytest.raises(IllegalTransition):
        services.certificate_void(
            actor=inst_admin, certificate=cert, reason="再次", row_version=cert.row_version
        )


def test_issuer_settings_belong_to_the_filing_authority(
    institution, inst_admin, auth_staff, other_institution
):
    with pytest.raises(PermissionDenied):
        services.certificate_issuer_set(actor=inst_admin, institution=institution, serial="000001")
    with pytest.raises(ValidationFailed):
        services.certificate_issuer_set(actor=auth_staff, institution=institution, serial="12345")
    issuer = services.certificate_issuer_set(actor=auth_staff, institution=institution, serial="000001")
    assert (issuer.kind, issuer.ministry) == ("S", "0000")  # a social organisation's letter (EXAM-12)


def test_reserve_serials_refuses_past_999999(db):
    CertificateSerial.objects.create(prefix="S000036000123274", last=999_998)
    assert list(services.reserve_serials("S000036000123274", 1)) == [999_999]
    with pytest.raises(Conflict):
        services.reserve_serials("S000036000123274", 1)
