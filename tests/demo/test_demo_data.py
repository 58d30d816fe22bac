"""`dudao demo-data` in this test's database: counts, INST-3 on every batch, audit chain, flags, logins."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from dudao.accounts.models import User
from dudao.common.audit import verify_chain
from dudao.common.models import AuditEvent
from dudao.demo import names
from dudao.demo.services import demo_password
from dudao.people.models import (
    Examiner,
    ExaminerCard,
    Person,
    Relation,
    Supervisor,
    SupervisorCard,
    SupervisorContract,
)
from dudao.registry import domain as registry_domain
from dudao.registry import selectors as registry_selectors
from dudao.registry import services as registry_services
from dudao.registry.models import (
    Authority,
    Batch,
    Filing,
    FilingScope,
    Institution,
    Occupation,
    Region,
    Venue,
)
from dudao.renewals import services as renewal_services
from dudao.renewals.models import RenewalApplication
from dudao.web.todo import todo_for
from dudao.workdays.selectors import calendar

pytestmark = pytest.mark.django_db

DEMO_USERS = [
    "demo_admin",
    "demo_authority_admin",
    "demo_authority_staff",
    "demo_external_supervisor",
    "demo_internal_supervisor",
    "demo_institution_admin",
    "demo_institution_staff",
    "demo_examiner",
    "demo_system_admin",
    "demo_security_admin",
    "demo_audit_admin",
]


def demo_data(*args: str) -> str:
    out = StringIO()
    call_command("demo-data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def tiny():
    return demo_data("--scale", "tiny", "--seed", "1")


def identity() -> dict[str, list[str]]:
    return {
        "institutions": list(Institution.objects.order_by("name").values_list("name", "uscc")),
        "batches": sorted(Batch.objects.values_list("code", flat=True)),
        "filings": sorted(Filing.objects.values_list("number", flat=True)),
        "cards": sorted(ExaminerCard.objects.values_list("number", flat=True))
        + sorted(SupervisorCard.objects.values_list("number", flat=True)),
    }


def test_counts_by_type(tiny):
    # 40 planned batches + 6 held in renewal periods (demo workflows, REN-5)
    assert "评价机构 institutions: 12" in tiny and "评价批次 batches: 47" in tiny  # + the completed one
    assert Counter(Institution.objects.values_list("kind", flat=True)) == {
        "social_org": 5,
        "employer": 4,
        "tech_school": 3,
    }
    assert Counter(Filing.objects.values_list("status", flat=True)) == {
        "active": 7,
        "expired": 2,
        "suspended": 1,
        "rectifying": 3,  # one planned; two in renewal rectification (demo workflows, REN-4)
    }
    assert FilingScope.objects.count() == 32 and Venue.objects.count() == 19
    assert Counter(Supervisor.objects.values_list("kind", flat=True)) == {"external": 6, "internal": 6}
    assert SupervisorCard.objects.count() == 12 and SupervisorContract.objects.count() > 0
    assert Examiner.objects.count() == 40 and ExaminerCard.objects.count() == 40
    # 40 examiners, 12 supervisors, 2 relatives declared by ID number, 12 candidates of the demo 考务 roster,
    # 6 candidates of the completed evaluation
    assert Person.objects.count() == 72
    assert Counter(Relation.objects.values_list("kind", flat=True)) == {
        "relative": 3,
        "employment": 1,
        "teacher_student": 1,
        "master_apprentice": 1,
    }
    assert Batch.objects.count() == 47
    authorities = Authority.objects.order_by("code")
    assert [(a.code, a.card_issuer_code, a.parent_id is None) for a in authorities] == [
        ("DEMO-36", "36", True),
        ("DEMO-3601", "", False),
        ("DEMO-3604", "", False),
    ]
    # The GB/T 2260 list is reference data now (load-reference): the demo's cities are among its 333.
    cities = set(Region.objects.filter(kind="city").values_list("code", flat=True))
    assert {"360100", "360400"} <= cities and len(cities) == 333
    demo_occupations = Occupation.objects.filter(code__startswith="9-99-")
    assert demo_occupations.count() == len(names.DEMO_OCCUPATIONS) == 11
    assert set(demo_occupations.values_list("verified", "source")) == {(False, names.DEMO_OCCUPATION_SOURCE)}
    assert Occupation.objects.filter(verified=True).count() == 6
    active = User.objects.filter(is_active=True).values_list("username", flat=True)
    assert sorted(active) == sorted(DEMO_USERS)
    markers = User.objects.filter(is_active=False)  # the completed evaluation's other two markers
    assert markers.count() == 2 and all(u.username.startswith("demo_marker_") for u in markers)


def test_every_batch_is_inside_an_active_filing_and_has_qualified_examiners(tiny):
    workdays = calendar()
    today = timezone.localdate()
    checked = 0
    tomorrow = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    planned = Batch.objects.filter(starts_at__gte=tomorrow).exclude(status="cancelled")
    for batch in planned.select_related("occupation").prefetch_related("examiners"):
        start, end = timezone.localtime(batch.starts_at), timezone.localtime(batch.ends_at)
        spec = registry_domain.BatchSpec(
            occupation_id=batch.occupation_id,
            occupation_label=batch.occupation.name,
            work_type=batch.work_type,
            levels=tuple(batch.levels),
            starts_at=start,
            ends_at=end,
        )
        # INST-3, with the registry's own check on the registry's own reading of the filings.
        filing = registry_domain.check_batch_in_scope(
            spec, registry_selectors.filing_specs_for_institution(batch.institution_id)
        )
        assert filing.id == batch.filing_id and filing.status == "active"
        team = registry_services._examiners_with_cards([e.pk for e in batch.examiners.all()])
        for examiner in team.values():  # EXAM-2/3
            assert (
                registry_services._examiner_problem(
                    examiner, batch.occupation, batch.work_type, batch.levels, start.date(), end.date()
                )
                is None
            )
        assert batch.team_leader_id is None or batch.team_leader_id in team
        assert start.date() > today and workdays.is_workday(start.date()) and workdays.is_workday(end.date())
        checked += 1
    assert checked == 34
    # The demo workflows: one batch held before today in each accepted renewal's period (REN-5), and the
    # planned batches of the two filings in renewal rectification called off (REN-4): 34 + 6 + 6 = 46;
    # and the demo institution's completed evaluation six weeks ago (issue 11 item 8).
    held = Batch.objects.filter(starts_at__lt=timezone.make_aware(dt.datetime.combine(today, dt.time.min)))
    assert held.count() == 7 and set(held.values_list("status", flat=True)) == {"planned"}
    assert held.filter(exam_plan__publication__isnull=False).count() == 1
    in_rectification = set(
        RenewalApplication.objects.filter(status__in=["rectifying", "re_evaluating"]).values_list(
            "filing_id", flat=True
        )
    )
    cancelled = Batch.objects.filter(status="cancelled")
    assert cancelled.count() == 6 and set(cancelled.values_list("filing_id", flat=True)) == in_rectification
    assert set(Filing.objects.filter(pk__in=in_rectification).values_list("status", flat=True)) == {
        "rectifying"
    }


def test_audit_chain_verifies_with_one_event_per_record(tiny):
    result = verify_chain()
    assert result.ok and result.checked == AuditEvent.objects.count()
    for action, model in [
        ("registry.institution.create", Institution),
        ("registry.filing.create", Filing),
        ("registry.scope.add", FilingScope),
        ("registry.venue.create", Venue),
        ("people.person.create", Person),
        ("people.examiner.create", Examiner),
        ("people.examiner_card.issue", ExaminerCard),
        ("people.supervisor.create", Supervisor),
        ("people.supervisor_card.issue", SupervisorCard),
        ("people.relation.declare", Relation),
        ("registry.batch.create", Batch),
        ("accounts.user.create", User),
    ]:
        ids = list(AuditEvent.objects.filter(action=action).values_list("object_id", flat=True))
        assert sorted(ids) == sorted(str(pk) for pk in model.objects.values_list("pk", flat=True)), action
    # 4 planned statuses + 2 renewal rectifications (demo workflows)
    assert AuditEvent.objects.filter(action="registry.filing.set_status").count() == 6


def test_if_empty_second_run_changes_nothing(tiny):
    before = (
        AuditEvent.objects.count(),
        Institution.objects.count(),
        Batch.objects.count(),
        User.objects.count(),
    )
    out = demo_data("--scale", "tiny", "--seed", "1", "--if-empty")
    assert out.strip() == "已有演示数据,跳过生成(--if-empty)"
    assert (
        AuditEvent.objects.count(),
        Institution.objects.count(),
        Batch.objects.count(),
        User.objects.count(),
    ) == before


def test_second_run_without_flag_is_refused(tiny):
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="--if-empty"):
        demo_data("--scale", "tiny", "--seed", "1")
    assert AuditEvent.objects.count() == events and Institution.objects.count() == 12


def test_reset_then_the_same_seed_gives_the_same_data(tiny):
    first = identity()
    out = demo_data("--scale", "tiny", "--seed", "1", "--reset")
    assert out.startswith("已删除以前的演示数据")
    assert identity() == first
    assert Institution.objects.count() == 12 and Person.objects.count() == 72
    reset = AuditEvent.objects.get(action="demo.data.reset")
    assert reset.after["评价机构 institutions"] == 12 and reset.after["评价批次 batches"] == 47
    assert verify_chain().ok


def test_demo_logins_prints_one_line_per_role_and_the_logins_work(tiny):
    out = StringIO()
    call_command("demo-logins", stdout=out)
    lines = out.getvalue().splitlines()
    rows = lines[2:-1]  # header and rule; the last line says how to get the administrators' codes
    assert [line.split()[0] for line in rows] == DEMO_USERS
    assert "dudao demo-logins --otp" in lines[-1]
    password = demo_password()
    assert all(password in line for line in rows)
    for username in DEMO_USERS:
        assert authenticate(username=username, password=password) is not None, username
    # SEC-2: administrators have an authenticator (secret and current code printed), others do not; the
    # published demo password is not forced to change.
    with_code = {line.split()[0] for line in rows if len(line.split()) == 6}
    assert with_code == {
        "demo_admin",
        "demo_authority_admin",
        "demo_system_admin",
        "demo_security_admin",
        "demo_audit_admin",
    }
    assert not User.objects.filter(username__startswith="demo_", must_change_password=True).exists()
    admin = User.objects.get(username="demo_admin")
    assert admin.is_superuser and admin.role == ""
    assert (
        User.objects.get(username="demo_internal_supervisor").institution.name
        == "南昌长青健康人才评价有限公司"
    )


def test_today_sets_the_reference_day_of_every_generated_date():
    # Same seed, another reference day: the same records, every date moved with the day (issue 7).
    demo_data("--scale", "tiny", "--seed", "1", "--today", "2026-06-02")
    later = sorted(timezone.localtime(b.starts_at).date() for b in Batch.objects.all())
    demo_data("--scale", "tiny", "--seed", "1", "--reset", "--today", "2026-06-01")
    earlier = sorted(timezone.localtime(b.starts_at).date() for b in Batch.objects.all())
    assert len(later) == len(earlier) == 47  # 40 planned, 6 held by the demo workflows, 1 completed
    shifts = [(a - b).days for a, b in zip(later, earlier, strict=True)]
    assert min(shifts) >= 0 and max(shifts) > 0  # a day later, or the next working day after it
    assert min(later) > dt.date(2026, 3, 1) and max(later) < dt.date(2026, 9, 1)


def test_today_must_be_a_date():
    with pytest.raises(CommandError, match="「2031-02-30」不是 YYYY-MM-DD 格式的日期"):
        demo_data("--scale", "tiny", "--seed", "1", "--today", "2031-02-30")
    assert Institution.objects.count() == 0


def test_renewals_in_every_state_and_one_the_demo_staff_can_complete(tiny):
    statuses = Counter(RenewalApplication.objects.values_list("status", flat=True))
    # The two-step path (waiting for the bureau's review) takes a seventh evaluated filing: the small demo of
    # `make demo` has one, the tiny scale has six (workflows.EVALUATED_PATHS).
    one_step = [state for state in RenewalApplication.Status.values if state != "bureau_review"]
    for state in one_step:
        assert statuses[state] >= 1, state
    assert statuses == dict.fromkeys(one_step, 1)
    # The demo institution withdrew its application and applied again online (REN-1).
    home = User.objects.get(username="demo_institution_admin").institution
    mine = RenewalApplication.objects.filter(institution=home).order_by("id")
    assert [(a.status, a.applicant.username) for a in mine] == [
        ("withdrawn", "demo_institution_admin"),
        ("submitted", "demo_institution_admin"),
    ]
    # Refused at the counter, applied again: evaluated and signed, the outcome waits for the demo staff.
    staff = User.objects.get(username="demo_authority_staff")
    waiting = RenewalApplication.objects.get(status="evaluating")
    assert RenewalApplication.objects.get(status="not_accepted").filing_id == waiting.filing_id
    assert (waiting.evaluation.status, waiting.evaluation.band, waiting.authority_id) == (
        "signed",
        "renew",
        staff.authority_id,
    )
    assert RenewalApplication.objects.get(status="renewed").kind == "employer"  # REN-3 review
    done = renewal_services.renewal_record_outcome(
        actor=staff, application=waiting, row_version=waiting.row_version
    )
    assert done.status == "renewed" and done.receipt_number.startswith("赣人社延备")
    # Rectification then re-evaluation: its form is still to be filled by the group leader.
    again = RenewalApplication.objects.get(status="re_evaluating")
    assert (again.evaluation.band, again.re_evaluation.status) == ("rectify", "draft")
    assert RenewalApplication.objects.get(status="refused").evaluation.band == "refuse"


def test_demo_home_pages_show_waiting_items(tiny):
    def keys(username: str) -> set[str]:
        return {g.key for g in todo_for(User.objects.get(username=username))}

    examiner = User.objects.get(username="demo_examiner")
    batches = {g.key: g for g in todo_for(examiner)}["examiner_batches"]
    today = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    assigned = Batch.objects.filter(examiners__person=examiner.person, status="planned", starts_at__gte=today)
    assert batches.total == assigned.count() >= 1
    assert {"renewal_submitted", "renewal_deciding"} <= keys("demo_authority_staff")
    assert "renewal_steps" in keys("demo_institution_admin")
    assert "evaluation_fill" in keys("demo_authority_admin")  # the re-evaluation's leader


def test_the_completed_evaluation_shows_every_step_issue_11(tiny):
    """Item 8: a completed batch with signed marking, results, a publication, an objection, certificates
    (one voided) and an archive whose package verifies and holds the score books."""
    import json
    import zipfile
    from io import BytesIO

    from dudao.archives import services as archive_services
    from dudao.archives.models import ArchivePackage
    from dudao.exams.models import Certificate, ExamPlan, Marking, Objection

    plan = ExamPlan.objects.get(publication__isnull=False)
    assert list(Marking.objects.filter(session__plan=plan).values_list("status", flat=True)) == ["signed"] * 2
    assert Objection.objects.get(registration__plan=plan).status == "dismissed"
    certificates = Certificate.objects.filter(registration__plan=plan)
    assert certificates.count() == 4 and certificates.filter(status="voided").count() == 1
    package = ArchivePackage.objects.get(plan=plan)
    assert archive_services.package_verify(package).valid
    with zipfile.ZipFile(BytesIO(archive_services.package_bytes(package))) as archive:
        books = json.loads(archive.read("score-books.json"))
    assert [len(m["books"][0]["signatures"]) for m in books["markings"]] == [4, 4]  # 3 markers + the tallier


def test_complaints_in_different_states_and_the_channel_issue_12(tiny):
    from dudao.complaints.models import Complaint

    home = User.objects.get(username="demo_institution_admin").institution
    statuses = Counter(Complaint.objects.filter(institution=home).values_list("status", flat=True))
    assert statuses == {"received": 1, "declined": 1, "accepted": 1, "replied": 1, "closed": 1}
    verified = Complaint.objects.get(institution=home, finding="verified")
    assert verified.status == "replied" and verified.public_reply and verified.handlers.exists()
    assert Complaint.objects.filter(anonymous=True).count() == 2
    assert (home.complaint_phone, home.complaint_page_url) == (
        "0791-88886666",
        "https://www.example.cn/tousu",
    )
