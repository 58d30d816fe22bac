"""National upload of certificate information (CERT-3, EXAM-12; FORM-B C4.2/C4.3): the export's content in
each format (headers, rows, voided certificates included with their status, full ID numbers), who may export,
download, confirm and reject (nothing changed on denial), the transitions and the illegal ones, the six-month
check of a plan on both sides of its boundary, and the audit events."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from python_calamine import CalamineWorkbook

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.exams import services
from dudao.exams.models import Certificate, CertificateUpload
from dudao.exams.selectors_uploads import batches, plan_compliance
from tests import factories as f
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

from .test_results_certificates import failing_theory, passing

pytestmark = pytest.mark.django_db
ISSUE_DAY = dt.date(2027, 1, 15)
DEADLINE = dt.date(2027, 7, 15)
HEADERS = [
    "证书编号",
    "姓名",
    "证件类型",
    "证件号码",
    "职业(工种)编码",
    "职业(工种)名称",
    "等级代码",
    "技能等级",
    "评价机构",
    "发证日期",
    "证书状态",
    "注销原因",
    "注销日期",
]


@pytest.fixture
def issued(plan, inst_admin, auth_staff, institution, time_machine):
    """Three candidates, two passed: two certificates issued on ISSUE_DAY; the clock then on 2027-01-20."""
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2, 3)]
    time_machine.move_to(fx.at(fx.EXAM_DAY + dt.timedelta(days=1), 10))
    services.results_record(
        actor=inst_admin,
        plan=plan,
        entries=[
            {"registration": r.number, "subjects": s}
            for r, s in zip(regs, [passing(), passing(), failing_theory()], strict=True)
        ],
    )
    services.results_publish(actor=inst_admin, plan=plan)
    services.certificate_issuer_set(actor=auth_staff, institution=institution, serial="000123")
    time_machine.move_to(fx.at(ISSUE_DAY, 10))
    certs = services.certificates_issue(actor=inst_admin, plan=plan, today=ISSUE_DAY)
    time_machine.move_to(fx.at(dt.date(2027, 1, 20), 10))
    return sorted(certs, key=lambda c: c.number)


def ids_of(issued) -> dict[str, str]:
    """Certificate number → the holder's full ID number (candidate n registered with make_resident_id(n))."""
    out = {}
    for cert in issued:
        for n in (1, 2, 3):
            if cert.person.id_number_masked == _masked(make_resident_id(n, birth="19900101")):
                out[cert.number] = make_resident_id(n, birth="19900101")
    return out


def _masked(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel/WPS
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_export_holds_every_pending_certificate_with_full_id_numbers(issued, plan, inst_admin):
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan, file_format="csv")
    assert (upload.status, upload.count, upload.voided_count, upload.format) == ("exported", 2, 0, "csv")
    rows = read_csv(services.certificate_upload_file(actor=inst_admin, upload=upload))
    assert rows[0] == HEADERS
    ids = ids_of(issued)
    assert len(ids) == 2
    body = {r[0]: r for r in rows[1:]}
    assert sorted(body) == [c.number for c in issued]
    first = issued[0]
    row = body[first.number]
    assert row[1] == first.name and row[2] == "居民身份证" and row[3] == ids[first.number]
    assert row[4:10] == ["6-18-02-04", "焊工", "4", "四级/中级工", first.institution_name, "2027-01-15"]
    assert row[10:] == ["有效", "", ""]
    # the stored file is encrypted: no ID number in the column
    stored = CertificateUpload.objects.values_list("content", flat=True).get(pk=upload.pk)
    assert ids[first.number] not in stored and stored.startswith("v")


def test_xlsx_and_json_have_the_same_columns(issued, plan, inst_admin, settings):
    settings.DUDAO_CERTIFICATE_UPLOAD_FORMAT = "xlsx"
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    assert upload.format == "xlsx" and upload.file_name.endswith(".xlsx")
    content = services.certificate_upload_file(actor=inst_admin, upload=upload)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert [str(c) for c in sheet[0]] == HEADERS
    ids = ids_of(issued)
    assert {str(r[0]): str(r[3]) for r in sheet[1:]} == ids  # text cells: the ID number intact
    services.certificate_upload_reject(actor=inst_admin, upload=upload, reason="格式不对", wrong_data=False)
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan, file_format="json")
    data = json.loads(services.certificate_upload_file(actor=inst_admin, upload=upload))
    assert list(data["columns"].values()) == HEADERS
    assert {c["number"]: c["id_number"] for c in data["certificates"]} == ids


def test_a_bad_format_is_refused_and_nothing_written(issued, plan, inst_admin):
    with pytest.raises(ValidationFailed, match="无效"):
        services.certificate_upload_export(actor=inst_admin, plan=plan, file_format="pdf")
    assert not CertificateUpload.objects.exists()


@pytest.mark.parametrize(
    "role",
    [Role.INSTITUTION_STAFF, Role.AUTHORITY_STAFF, Role.AUTHORITY_ADMIN, "superuser", Role.EXAMINER],
)
def test_only_the_issuing_admin_exports_downloads_confirms_and_rejects(issued, plan, inst_admin, users, role):
    with pytest.raises(PermissionDenied):
        services.certificate_upload_export(actor=users[role], plan=plan)
    assert not CertificateUpload.objects.exists()
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.certificate_upload_file(actor=users[role], upload=upload)
    with pytest.raises(PermissionDenied):
        services.certificate_upload_confirm(
            actor=users[role], upload=upload, receipt_number="R1", receipt_date="2027-01-20"
        )
    with pytest.raises(PermissionDenied):
        services.certificate_upload_reject(actor=users[role], upload=upload, reason="x")
    upload.refresh_from_db()
    assert upload.status == "exported" and AuditEvent.objects.count() == before
    assert set(Certificate.objects.values_list("upload", flat=True)) == {"pending"}


def test_another_institutions_admin_is_refused(issued, plan, other_institution):
    other = f.UserFactory(role=Role.INSTITUTION_ADMIN, institution=other_institution)
    with pytest.raises(PermissionDenied):
        services.certificate_upload_export(actor=other, plan=plan)


def test_confirm_marks_the_certificates_uploaded_on_the_receipt_date(issued, plan, inst_admin):
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    upload = services.certificate_upload_confirm(
        actor=inst_admin, upload=upload, receipt_number=" GJ-2027-001 ", receipt_date="2027-01-20"
    )
    assert (upload.status, upload.receipt_number, upload.receipt_date) == (
        "uploaded",
        "GJ-2027-001",
        dt.date(2027, 1, 20),
    )
    for cert in Certificate.objects.all():
        assert cert.upload == "uploaded"
        assert cert.uploaded_at == fx.at(dt.date(2027, 1, 20), 0)
    event = AuditEvent.objects.filter(action="exams.certificate_upload.confirm").get()
    assert event.after["certificates_marked"] == 2
    with pytest.raises(IllegalTransition, match="已上报"):
        services.certificate_upload_reject(actor=inst_admin, upload=upload, reason="晚了")
    with pytest.raises(IllegalTransition):
        services.certificate_upload_confirm(
            actor=inst_admin, upload=upload, receipt_number="R", receipt_date="2027-01-20"
        )
    with pytest.raises(IllegalTransition, match="没有需要上报"):
        services.certificate_upload_export(actor=inst_admin, plan=plan)


@pytest.mark.parametrize(
    ("receipt_number", "receipt_date", "field"),
    [
        ("", "2027-01-20", "receipt_number"),
        ("R" * 65, "2027-01-20", "receipt_number"),
        ("R1", "2027-01-19", "receipt_date"),  # before the export
        ("R1", "2027-01-21", "receipt_date"),  # in the future
        ("R1", "20270120x", "receipt_date"),
    ],
)
def test_a_bad_receipt_is_refused_and_nothing_changed(
    issued, plan, inst_admin, receipt_number, receipt_date, field
):
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    with pytest.raises(ValidationFailed) as caught:
        services.certificate_upload_confirm(
            actor=inst_admin, upload=upload, receipt_number=receipt_number, receipt_date=receipt_date
        )
    assert field in caught.value.detail
    upload.refresh_from_db()
    assert upload.status == "exported"
    assert set(Certificate.objects.values_list("upload", flat=True)) == {"pending"}


def test_the_receipt_date_may_be_today_or_the_export_day(issued, plan, inst_admin):
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    services.certificate_upload_confirm(
        actor=inst_admin, upload=upload, receipt_number="R", receipt_date="2027-01-20"
    )


def test_reject_keeps_the_certificates_pending_and_a_second_export_follows(issued, plan, inst_admin):
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    with pytest.raises(Conflict, match="尚未确认或退回"):
        services.certificate_upload_export(actor=inst_admin, plan=plan)
    with pytest.raises(ValidationFailed):
        services.certificate_upload_reject(actor=inst_admin, upload=upload, reason="  ")
    upload = services.certificate_upload_reject(actor=inst_admin, upload=upload, reason="身份证号与姓名不符")
    assert (upload.status, upload.reject_reason, upload.wrong_data) == (
        "rejected",
        "身份证号与姓名不符",
        True,
    )
    assert set(Certificate.objects.values_list("upload", flat=True)) == {"pending"}
    with pytest.raises(IllegalTransition):
        services.certificate_upload_confirm(
            actor=inst_admin, upload=upload, receipt_number="R", receipt_date="2027-01-20"
        )
    again = services.certificate_upload_export(actor=inst_admin, plan=plan)
    assert again.count == 2 and again.pk != upload.pk


def test_voided_certificates_are_exported_with_their_status(issued, plan, inst_admin):
    first, second = issued
    services.certificate_void(
        actor=inst_admin, certificate=first, reason="信息有误", row_version=first.row_version
    )
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan, file_format="csv")
    assert (upload.count, upload.voided_count) == (2, 1)
    rows = {r[0]: r for r in read_csv(services.certificate_upload_file(actor=inst_admin, upload=upload))[1:]}
    assert rows[first.number][10:] == ["已注销", "信息有误", "2027-01-20"]
    assert rows[second.number][10:] == ["有效", "", ""]


def test_a_voiding_after_the_upload_is_reported_once(issued, plan, inst_admin, time_machine):
    first, _ = issued
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    services.certificate_upload_confirm(
        actor=inst_admin, upload=upload, receipt_number="R1", receipt_date="2027-01-20"
    )
    first.refresh_from_db()
    services.certificate_void(
        actor=inst_admin, certificate=first, reason="冒名", row_version=first.row_version
    )
    report = services.certificate_upload_export(actor=inst_admin, plan=plan, file_format="csv")
    rows = read_csv(services.certificate_upload_file(actor=inst_admin, upload=report))[1:]
    assert [(r[0], r[10]) for r in rows] == [(first.number, "已注销")]
    time_machine.move_to(fx.at(dt.date(2027, 1, 22), 10))
    services.certificate_upload_confirm(
        actor=inst_admin, upload=report, receipt_number="R2", receipt_date="2027-01-22"
    )
    first.refresh_from_db()
    assert first.uploaded_at == fx.at(dt.date(2027, 1, 20), 0)  # the first upload time stays
    with pytest.raises(IllegalTransition, match="没有需要上报"):
        services.certificate_upload_export(actor=inst_admin, plan=plan)


def test_downloads_are_audited(issued, plan, inst_admin):
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    services.certificate_upload_file(actor=inst_admin, upload=upload)
    actions = list(
        AuditEvent.objects.filter(action__startswith="exams.certificate_upload").values_list(
            "action", flat=True
        )
    )
    assert actions == ["exams.certificate_upload.export", "exams.certificate_upload.download"]
    export = AuditEvent.objects.get(action="exams.certificate_upload.export")
    assert export.after["count"] == 2 and export.after["personal_data_shown"] is True
    assert "content" not in json.dumps(export.after)


def test_six_month_check_of_a_plan_both_sides(issued, plan, inst_admin, auth_staff):
    assert plan_compliance(plan, DEADLINE).status == "pending"
    assert plan_compliance(plan, DEADLINE).compliant is True
    state = plan_compliance(plan, DEADLINE + dt.timedelta(days=1))
    assert (state.status, state.overdue, state.compliant) == ("overdue", 2, False)
    rows = batches(auth_staff, today=DEADLINE + dt.timedelta(days=1))
    assert [(r.plan.pk, r.compliance.status) for r in rows] == [(plan.pk, "overdue")]
    assert batches(auth_staff, status="noncompliant", today=DEADLINE) == []


def test_an_upload_confirmed_after_the_deadline_is_late(issued, plan, inst_admin, time_machine):
    time_machine.move_to(fx.at(DEADLINE + dt.timedelta(days=1), 10))
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    services.certificate_upload_confirm(
        actor=inst_admin, upload=upload, receipt_number="R", receipt_date=DEADLINE + dt.timedelta(days=1)
    )
    assert plan_compliance(plan, dt.date(2028, 1, 1)).status == "late"


def test_an_upload_on_the_deadline_day_is_in_time(issued, plan, inst_admin, time_machine):
    time_machine.move_to(fx.at(DEADLINE, 10))
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    services.certificate_upload_confirm(
        actor=inst_admin, upload=upload, receipt_number="R", receipt_date=DEADLINE
    )
    assert plan_compliance(plan, dt.date(2028, 1, 1)).status == "uploaded"


def test_the_export_command(issued, plan, inst_admin, users, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "upload.csv"
    stdout = io.StringIO()
    call_command(
        "certificates",
        "export",
        "--plan",
        str(plan.pk),
        "--as",
        "inst_admin",
        "--format",
        "csv",
        "--out",
        str(out),
        "--json",
        stdout=stdout,
    )
    summary = json.loads(stdout.getvalue())
    assert (summary["count"], summary["voided"], summary["format"]) == (2, 0, "csv")
    assert read_csv(out.read_bytes())[0] == HEADERS
    assert CertificateUpload.objects.get().pk == summary["upload"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as", "auth_staff"], "只有发证机构的管理员"),
        (["--as", "nobody"], "不存在或已停用"),
        (["--as", "inst_admin", "--format", "pdf"], "无效"),
        (["--as", "inst_admin", "--out", "/nonexistent/dir/x.csv"], "无法写入文件"),
    ],
)
def test_the_export_command_refuses_and_writes_nothing(issued, plan, users, tmp_path, capsys, args, message):
    from django.core.management import call_command

    argv = ["certificates", "export", "--plan", str(plan.pk), "--out", str(tmp_path / "x.csv"), *args]
    with pytest.raises(SystemExit) as caught:
        call_command(*argv)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err
    assert not CertificateUpload.objects.exists()


def test_the_list_filters_in_the_database_agree_with_the_rule(
    issued, plan, inst_admin, auth_staff, time_machine, django_assert_max_num_queries
):
    from dudao.exams.selectors_uploads import batch_counts, batch_plans, batch_rows

    def codes(status, today):
        return [r.compliance.status for r in batches(auth_staff, status=status, today=today)]

    assert codes("pending", DEADLINE) == ["pending"] and codes("noncompliant", DEADLINE) == []
    after = DEADLINE + dt.timedelta(days=1)
    assert codes("overdue", after) == ["overdue"] and codes("pending", after) == []
    assert batch_counts(auth_staff, after) == {"noncompliant": 1, "pending": 0}
    assert batch_counts(auth_staff, DEADLINE) == {"noncompliant": 0, "pending": 1}
    time_machine.move_to(fx.at(after, 10))
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    upload = services.certificate_upload_confirm(
        actor=inst_admin, upload=upload, receipt_number="R", receipt_date=after, today=after
    )
    assert upload.late_count == 2
    assert codes("late", after) == ["late"] and codes("noncompliant", after) == ["late"]
    assert codes("uploaded", after) == [] and codes("overdue", after) == []
    with django_assert_max_num_queries(4):
        rows = batch_rows(batch_plans(auth_staff, today=after)[:20], after)
    assert [(r.compliance.status, r.latest.pk, r.rejected_wrong_data) for r in rows] == [
        ("late", upload.pk, 0)
    ]


def test_an_upload_on_the_deadline_has_no_late_certificates(
    issued, plan, inst_admin, auth_staff, time_machine
):
    time_machine.move_to(fx.at(DEADLINE, 10))
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    upload = services.certificate_upload_confirm(
        actor=inst_admin, upload=upload, receipt_number="R", receipt_date=DEADLINE
    )
    assert upload.late_count == 0
    later = dt.date(2028, 1, 1)
    assert [r.compliance.status for r in batches(auth_staff, status="uploaded", today=later)] == ["uploaded"]
