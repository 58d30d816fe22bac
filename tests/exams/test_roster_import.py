"""Roster import (issue 10 item 2): `dudao import candidates FILE --as USER --batch CODE` registers a batch's
candidates with the one-row registration's rules (EXAM-1 step 3, EXAM-15 pre-check, INST-6 fee), every
error of every row, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.common import imports
from dudao.common.audit import verify_chain
from dudao.common.bulk import BulkRefused
from dudao.common.excel import export_workbook, read_example_rows, template_workbook
from dudao.common.models import AuditEvent
from dudao.exams import bulk, services
from dudao.exams.imports import CANDIDATE_COLUMNS, CANDIDATES
from dudao.exams.models import ExamPlan, Registration
from dudao.people.models import Person
from dudao.registry import models as rm
from tests import factories as f
from tests.bulk_support import written

pytestmark = pytest.mark.django_db

BATCH = "PC-2026-0001"
FEES = {"5": "200.00", "4": "300.50", "3": "400.00"}


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def welder(db):
    return f.OccupationFactory(code="6-18-02-04", name="焊工", verified=True, source="OCC-1")


def make_plan(institution, occupation, *, code=BATCH, status=ExamPlan.Status.PUBLISHED, levels=(5, 4, 3)):
    filing = f.FilingFactory(institution=institution)
    f.FilingScopeFactory(filing=filing, occupation=occupation, levels=list(levels))
    batch = rm.Batch.objects.create(
        code=code,
        institution=institution,
        filing=filing,
        occupation=occupation,
        levels=list(levels),
        starts_at=local(2027, 1, 20, 8, 30),
        ends_at=local(2027, 1, 20, 17, 0),
        venue=f.VenueFactory(institution=institution),
    )
    return ExamPlan.objects.create(
        batch=batch,
        title="焊工职业技能等级认定公告",
        status=status,
        registration_opens_on=dt.date(2026, 12, 1),
        registration_closes_on=dt.date(2026, 12, 31),
        withdraw_deadline=dt.date(2027, 1, 10),
        fees={k: v for k, v in FEES.items() if int(k) in levels},
        fee_basis="赣发改收费〔2020〕1 号",
        eligibility_summary="按国家职业技能标准",
        contact_name="联系人",
        contact_phone="0791-86000000",
    )


@pytest.fixture
def plan(institution, welder):
    return make_plan(institution, welder)


@pytest.fixture
def staff(users):
    return users[Role.INSTITUTION_STAFF]


def rid(n: int) -> str:
    return f.make_resident_id(n, birth="19900101")


def cand(n: int, **over):
    """A candidate of level 5 meeting route 5a (one year of work)."""
    row = {"name": f"考生{n}", "id_number": rid(n), "phone": "13900000000", "level": "5", "work_years": 1}
    row.update(over)
    return row


def write(tmp_path, rows, name="roster.xlsx"):
    path = tmp_path / name
    path.write_bytes(export_workbook(CANDIDATE_COLUMNS, rows, sheet_name="考生"))
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def import_json(tmp_path, rows, user, *extra, batch=BATCH):
    path = write(tmp_path, rows)
    args = ["candidates", str(path), "--as", user.username, "--json", *extra]
    if batch is not None:
        args += ["--batch", batch]
    code, out, _err = run(*args)
    return code, json.loads(out)


def counts():
    return (Registration.objects.count(), Person.objects.count(), AuditEvent.objects.count())


def errors_by_cell(data):
    return {(e["row"], e["column"]): e for e in data["errors"]}


# ------------------------------------------------------------------------------------------- happy path


def test_happy_path_counts_fees_precheck_and_audit(tmp_path, plan, staff):
    known = f.PersonFactory(name="老考生", id_number=rid(900))
    rows = [
        cand(1),  # 5a: one year of work (the bound itself)
        cand(2, work_years=0.5, apprenticeship_completed=True),  # 5b
        cand(3, level="四级/中级工", work_years=6),  # 4b
        cand(
            4,
            level="4",
            work_years=3,
            certificate_level="五级/初级工",
            certificate_related=True,
            work_years_after=4,
            receipt_no="SJ-001",
        ),  # 4a
        cand(5, level="4", work_years=2),  # level 4 met by no route: registered, pre-check says why
        cand(1, level="4", work_years=1),  # the same person at another level: a second registration
        {"name": "老考生", "id_number": rid(900), "level": "3", "work_years": 0},  # a registered person
    ]
    before_persons = Person.objects.count()
    code, data = import_json(tmp_path, rows, staff)
    assert code == 0, data
    assert set(data) == {"kind", "rows", "created", "updated", "seconds"}
    assert (data["kind"], data["rows"], data["created"], data["updated"]) == ("candidates", 7, 7, 0)
    assert Person.objects.count() == before_persons + 5  # 考生1 once, 老考生 reused
    regs = {(r.person.name, r.level): r for r in Registration.objects.select_related("person")}
    assert len(regs) == 7
    assert regs[("老考生", 3)].person_id == known.pk
    assert regs[("考生1", 5)].person_id == regs[("考生1", 4)].person_id
    assert [regs[(f"考生{n}", lv)].precheck_route for n, lv in ((1, 5), (2, 5), (3, 4), (4, 4), (5, 4))] == [
        "5a",
        "5b",
        "4b",
        "4a",
        "",
    ]
    missed = regs[("考生5", 4)].precheck
    assert missed["eligible"] is False and missed["route"] is None
    assert [r["route"] for r in missed["routes"]] == ["4a", "4b", "4c"]
    assert missed["routes"][1]["missing"] == ["累计从事本职业或相关职业工作 6 年(含)以上(现为 2 年)"]
    assert regs[("考生4", 4)].certificates == [
        {"level": 5, "related": True, "preparatory_technician": False, "work_years_after": 4.0}
    ]
    assert {(k, r.fee_amount) for k, r in regs.items()} == {
        (("考生1", 5), Decimal("200.00")),
        (("考生2", 5), Decimal("200.00")),
        (("考生3", 4), Decimal("300.50")),
        (("考生4", 4), Decimal("300.50")),
        (("考生5", 4), Decimal("300.50")),
        (("考生1", 4), Decimal("300.50")),
        (("老考生", 3), Decimal("400.00")),
    }
    paid = regs[("考生4", 4)]
    assert (paid.fee_receipt_no, paid.fee_paid_at is not None) == ("SJ-001", True)
    assert {(r.fee_receipt_no, r.fee_paid_at) for k, r in regs.items() if k != ("考生4", 4)} == {("", None)}
    assert {(r.source, r.status, r.plan_id) for r in regs.values()} == {("roster", "submitted", plan.pk)}
    assert all(r.number.startswith("BM") and len(r.number) == 10 for r in regs.values())
    assert regs[("考生1", 5)].phone == "13900000000"
    assert AuditEvent.objects.filter(action="exams.registration.submit", actor_id=staff.pk).count() == 7
    assert AuditEvent.objects.filter(action="people.person.create").count() == 5
    event = AuditEvent.objects.get(action="exams.registration.submit", object_id=str(regs[("考生1", 5)].pk))
    assert "phone" not in event.after and rid(1) not in json.dumps(event.after, ensure_ascii=False)
    assert event.after["person"] == regs[("考生1", 5)].person.id_number_masked
    assert verify_chain().ok


def fake_numbers(monkeypatch):
    counter = itertools.count(1)
    monkeypatch.setattr("dudao.exams.domain.rules.new_number", lambda prefix: f"{prefix}{next(counter):08d}")


def test_import_writes_what_registration_submit_writes(monkeypatch, plan, staff):
    """The same rows through the one-row service and the bulk service: same rows, same audit events."""
    f.PersonFactory(name="老考生", id_number=rid(900))
    inputs = [
        (cand(1, level="4", work_years=Decimal("3.5"), certificate_level="5", certificate_related=True,
              work_years_after=Decimal("4"), education="tech_school", education_related=True),
         {"level": "4", "work_years": "3.5", "education": "tech_school", "education_related": True,
          "apprenticeship_completed": False,
          "certificates": [{"related": True, "preparatory_technician": False, "work_years_after": 4.0,
                            "level": 5}]}),
        ({"name": "老考生", "id_number": rid(900), "phone": "", "level": "3", "work_years": 0},
         {"level": "3", "work_years": 0, "certificates": []}),
    ]  # fmt: skip
    tracked = [Registration, Person]

    def one_by_one():
        fake_numbers(monkeypatch)
        for row, values in inputs:
            services.registration_submit(
                actor=staff, plan=plan, name=row["name"], id_number=row["id_number"], phone=row["phone"],
                values=values,
            )  # fmt: skip

    def in_bulk():
        fake_numbers(monkeypatch)
        bulk.candidates_create(
            actor=staff, rows=list(enumerate((r for r, _v in inputs), start=2)), batch=BATCH
        )

    # the ID ciphertext has a random nonce (compared decrypted in the test of new persons)
    volatile = frozenset({"created_at", "updated_at", "id_number_encrypted"})
    rows, events = written(one_by_one, tracked, volatile=volatile)
    assert [len(rows["Registration"]), len(rows["Person"]), len(events)] == [2, 1, 3]
    assert (rows, events) == written(in_bulk, tracked, volatile=volatile)


def test_template_examples_import_cleanly(plan, staff):
    data = template_workbook(
        CANDIDATES.columns, sheet_name=CANDIDATES.label, example_rows=CANDIDATES.example_rows
    )
    examples = read_example_rows(data, CANDIDATES.columns)
    assert len(examples) == 2
    result = CANDIDATES.bulk(actor=staff, rows=examples, batch=BATCH)
    assert result.created == 2
    assert sorted(Registration.objects.values_list("precheck_route", flat=True)) == ["4a", "5b"]


def test_headers_are_documented():
    assert [c.header for c in CANDIDATE_COLUMNS] == [
        "姓名",
        "身份证号",
        "手机号",
        "申报等级",
        "学历",
        "本职业或相关专业",
        "累计工作年限",
        "学徒期满/正规培训",
        "已取得证书等级",
        "证书为本职业或相关",
        "是否预备技师",
        "取得证书后工作年限",
        "收据号",
    ]


def test_dry_run_checks_and_writes_nothing(tmp_path, plan, staff):
    before = counts()
    code, data = import_json(tmp_path, [cand(1), cand(2)], staff, "--dry-run")
    assert code == 0
    assert (data["rows"], data["created"]) == (2, 2)
    assert counts() == before
    code, data = import_json(tmp_path, [cand(1), cand(2, id_number="123")], staff, "--dry-run")
    assert code == 2
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(3, "身份证号")]
    assert counts() == before


# ------------------------------------------------------------------------------------------- row rules


def refused(tmp_path, rows, user):
    before = counts()
    code, data = import_json(tmp_path, rows, user)
    assert code == 2
    assert counts() == before  # all or nothing
    assert all(set(e) == {"row", "column", "value", "message"} for e in data["errors"])
    return errors_by_cell(data)


def test_one_bad_row_writes_nothing_and_every_error_is_reported(tmp_path, plan, staff):
    bad_id = rid(2)[:-1] + ("0" if rid(2)[-1] != "0" else "1")
    rows = [
        cand(1),
        cand(2, id_number=bad_id, phone="12345", level="2"),  # three errors in one row
        cand(3),
    ]
    errors = refused(tmp_path, rows, staff)
    assert set(errors) == {(3, "身份证号"), (3, "手机号"), (3, "申报等级")}
    assert errors[(3, "身份证号")]["message"] == "身份证号校验码错误,请核对后重新输入"
    assert errors[(3, "身份证号")]["value"] != bad_id  # masked (SEC-3)
    assert errors[(3, "申报等级")]["message"] == "申报等级应为本批次的等级之一:3级、4级、5级"
    assert errors[(3, "手机号")]["value"] == "12345"


def test_id_checksum_both_sides(tmp_path, plan, staff):
    good = rid(7)
    assert import_json(tmp_path, [cand(7, id_number=good)], staff, "--dry-run")[0] == 0
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    errors = refused(tmp_path, [cand(7, id_number=bad)], staff)
    assert list(errors) == [(2, "身份证号")]


def test_level_must_be_one_of_the_batch(tmp_path, plan, staff):
    assert import_json(tmp_path, [cand(1, level="三级", work_years=0)], staff, "--dry-run")[0] == 0
    errors = refused(tmp_path, [cand(1, level="二级/技师")], staff)
    assert errors[(2, "申报等级")]["message"] == "申报等级应为本批次的等级之一:3级、4级、5级"


def test_level_and_required_columns(tmp_path, plan, staff):
    errors = refused(tmp_path, [cand(1, level="六级"), cand(2, name=""), cand(3, level="")], staff)
    assert set(errors) == {(2, "申报等级"), (3, "姓名"), (4, "申报等级")}
    assert errors[(3, "姓名")]["message"] == "必填项不能为空"


def test_work_years_bounds(tmp_path, plan, staff):
    ok = [cand(1, work_years=0), cand(2, work_years=60), cand(3, work_years=Decimal("12.5"))]
    assert import_json(tmp_path, ok, staff, "--dry-run")[0] == 0
    errors = refused(
        tmp_path, [cand(1, work_years=-0.5), cand(2, work_years=60.5), cand(3, work_years=1.25)], staff
    )
    assert set(errors) == {(2, "累计工作年限"), (3, "累计工作年限"), (4, "累计工作年限")}
    assert errors[(2, "累计工作年限")]["message"] == "工作年限应为 0 至 60 之间的数,最多一位小数"


def test_certificate_needs_its_level_unless_preparatory(tmp_path, plan, staff):
    ok = [
        cand(1, level="4", certificate_level="5", certificate_related=True, work_years_after=4),
        cand(2, level="3", preparatory_technician=True, certificate_related=True, work_years_after=1),
        cand(3),  # no certificate at all
    ]
    assert import_json(tmp_path, ok, staff)[0] == 0
    prep = Registration.objects.get(person__name="考生2")
    assert prep.certificates == [{"related": True, "preparatory_technician": True, "work_years_after": 1.0}]
    errors = refused(
        tmp_path,
        [
            cand(11, certificate_related=True),
            cand(12, work_years_after=0),
            cand(13, certificate_level="5", work_years_after=-1),
        ],
        staff,
    )
    assert set(errors) == {(2, "已取得证书等级"), (3, "已取得证书等级"), (4, "取得证书后工作年限")}
    assert errors[(4, "取得证书后工作年限")]["message"] == "取得证书后工作年限不能为负数"


def test_duplicates_inside_the_file(tmp_path, plan, staff):
    # same person at two levels: fine; same person and level twice: the second row is refused
    assert import_json(tmp_path, [cand(1), cand(1, level="4")], staff, "--dry-run")[0] == 0
    errors = refused(tmp_path, [cand(1), cand(2), cand(1)], staff)
    assert list(errors) == [(4, "身份证号")]
    assert errors[(4, "身份证号")]["message"] == "与第 2 行重复:同一考生同一等级只能报名一次"


def test_same_number_with_two_names_inside_the_file(tmp_path, plan, staff):
    errors = refused(tmp_path, [cand(1), cand(1, name="别人", level="4")], staff)
    assert errors[(3, "姓名")]["message"] == "与第 2 行身份证号相同但姓名不同,请核对"


def test_duplicates_against_live_registrations(tmp_path, plan, staff):
    assert import_json(tmp_path, [cand(1)], staff)[0] == 0
    errors = refused(tmp_path, [cand(1)], staff)
    assert errors[(2, "身份证号")]["message"] == "该考生已报名本批次的这一等级"
    # another level of the same batch is not a duplicate
    assert import_json(tmp_path, [cand(1, level="4")], staff)[0] == 0
    # a withdrawn registration does not block registering again
    first = Registration.objects.get(person__name="考生1", level=5)
    services.registration_withdraw(
        actor=staff, registration=first, row_version=first.row_version, by_candidate=False
    )
    assert import_json(tmp_path, [cand(1)], staff)[0] == 0
    assert Registration.objects.filter(person__name="考生1", level=5).count() == 2


def test_live_registration_of_another_batch_is_no_duplicate(tmp_path, plan, staff, institution, welder):
    make_plan(institution, welder, code="PC-2026-0002")
    assert import_json(tmp_path, [cand(1)], staff, batch="PC-2026-0002")[0] == 0
    assert import_json(tmp_path, [cand(1)], staff)[0] == 0


def test_registered_person_name_must_match(tmp_path, plan, staff):
    f.PersonFactory(name="老考生", id_number=rid(900))
    assert import_json(tmp_path, [cand(900, name="老考生")], staff)[0] == 0
    errors = refused(tmp_path, [cand(900, name="新名字", level="4")], staff)
    message = "姓名与身份证号登记信息不一致,请核对;如确需更正,请联系评价机构"
    assert errors[(2, "姓名")]["message"] == message
    assert "老考生" not in json.dumps(list(errors.values()), ensure_ascii=False)  # SEC-3: never echoed


def test_new_persons_are_encrypted_and_owned_by_the_filing_authority(tmp_path, plan, staff):
    assert import_json(tmp_path, [cand(1)], staff)[0] == 0
    person = Person.objects.get(name="考生1")
    assert rid(1) not in person.id_number_encrypted
    from dudao.common import pii

    assert pii.decrypt(person.id_number_encrypted) == rid(1)
    assert person.id_number_index == pii.blind_index(rid(1))
    assert person.registered_by_id == plan.batch.filing.authority_id
    assert (person.employer_id, person.employer_name) == (None, "")


def test_receipt_numbers_unique_in_the_batch(tmp_path, plan, staff, institution, welder):
    assert import_json(tmp_path, [cand(1, receipt_no="SJ-1"), cand(2, receipt_no="SJ-2")], staff)[0] == 0
    errors = refused(
        tmp_path, [cand(3, receipt_no="SJ-1"), cand(4, receipt_no="SJ-3"), cand(5, receipt_no="SJ-3")], staff
    )
    assert set(errors) == {(2, "收据号"), (4, "收据号")}
    assert errors[(2, "收据号")]["message"] == "该收据号已用于本批次的其他考生"
    assert errors[(4, "收据号")]["message"] == "收据号与第 3 行重复"
    # the same receipt number in another batch is fine
    make_plan(institution, welder, code="PC-2026-0002")
    assert import_json(tmp_path, [cand(3, receipt_no="SJ-1")], staff, batch="PC-2026-0002")[0] == 0


def test_registration_numbers_unique(monkeypatch, plan, staff):
    numbers = iter(["BMAAAAAAAA", "BMAAAAAAAA", "BMBBBBBBBB", "BMAAAAAAAA", "BMCCCCCCCC"])
    monkeypatch.setattr("dudao.exams.domain.rules.new_number", lambda prefix: next(numbers))
    bulk.candidates_create(actor=staff, rows=[(2, cand(1)), (3, cand(2))], batch=BATCH)
    assert sorted(Registration.objects.values_list("number", flat=True)) == ["BMAAAAAAAA", "BMBBBBBBBB"]
    bulk.candidates_create(actor=staff, rows=[(2, cand(3))], batch=BATCH)  # AAAAAAAA taken: drawn again
    assert Registration.objects.get(person__name="考生3").number == "BMCCCCCCCC"


def test_bulk_refusal_lists_problems_on_import_keys(plan, staff):
    with pytest.raises(BulkRefused) as exc:
        bulk.candidates_create(actor=staff, rows=[(2, cand(1, phone="x"))], batch=BATCH)
    assert [(p.row, p.field) for p in exc.value.problems] == [(2, "phone")]


# ------------------------------------------------------------------------------------------- --batch


def test_batch_missing(tmp_path, plan, staff):
    code, data = import_json(tmp_path, [cand(1)], staff, batch=None)
    assert code == 2
    assert data == {
        "errors": [{"row": 0, "column": "", "value": "", "message": "导入考生须用 --batch 指定批次编号"}]
    }


def test_batch_refused_for_other_kinds(tmp_path, users):
    path = tmp_path / "p.xlsx"
    path.write_bytes(export_workbook(CANDIDATE_COLUMNS[:3], [cand(1)], sheet_name="人员"))
    code, out, _ = run(
        "persons", str(path), "--as", users[Role.AUTHORITY_STAFF].username, "--json", "--batch", BATCH
    )
    assert code == 2
    assert json.loads(out)["errors"][0]["message"] == "导入人员不需要 --batch 参数"
    assert not Person.objects.filter(name="考生1").exists()


def test_batch_unknown_or_out_of_scope(tmp_path, plan, staff, other_institution, welder):
    before = counts()
    code, data = import_json(tmp_path, [cand(1)], staff, batch="NOPE")
    assert (code, data["errors"][0]["message"]) == (2, "批次编号「NOPE」不存在或不在您的数据范围内")
    make_plan(other_institution, welder, code="PC-OTHER")
    code, data = import_json(tmp_path, [cand(1)], staff, batch="PC-OTHER")
    assert (code, data["errors"][0]["message"]) == (2, "批次编号「PC-OTHER」不存在或不在您的数据范围内")
    assert counts() == before


def test_only_users_who_run_the_batch(tmp_path, plan, users):
    before = counts()
    # the authority sees the batch (its region) but does not run it
    code, data = import_json(tmp_path, [cand(1)], users[Role.AUTHORITY_STAFF])
    assert (code, data["errors"][0]["message"]) == (2, "只有承办该批次的评价机构的工作人员可以导入考生")
    assert counts() == before
    assert import_json(tmp_path, [cand(1)], users[Role.INSTITUTION_ADMIN])[0] == 0


@pytest.mark.parametrize(
    ("status", "ok"),
    [
        (ExamPlan.Status.DRAFT, False),
        (ExamPlan.Status.PUBLISHED, True),
        (ExamPlan.Status.CLOSED, True),
        (ExamPlan.Status.CANCELLED, False),
    ],
)
def test_plan_must_be_published_or_closed(tmp_path, institution, welder, staff, status, ok):
    make_plan(institution, welder, status=status)
    code, data = import_json(tmp_path, [cand(1)], staff)
    if ok:
        assert code == 0
    else:
        assert (code, data["errors"][0]["message"]) == (2, "该批次的认定公告尚未发布或已撤销,不能导入考生")
        assert Registration.objects.count() == 0


def test_batch_without_plan(tmp_path, plan, staff):
    rm.Batch.objects.filter(pk=plan.batch_id).update(code="PC-NOPLAN")
    make_plan(plan.batch.institution, plan.batch.occupation, code=BATCH + "-X")
    ExamPlan.objects.filter(batch__code=BATCH + "-X").delete()
    code, data = import_json(tmp_path, [cand(1)], staff, batch=BATCH + "-X")
    assert (code, data["errors"][0]["message"]) == (2, "该批次的认定公告尚未发布或已撤销,不能导入考生")


def test_kind_listed_with_its_option():
    assert imports.get_kind("candidates") is CANDIDATES
    assert dict(CANDIDATES.options) == {"batch": "导入考生须用 --batch 指定批次编号"}
