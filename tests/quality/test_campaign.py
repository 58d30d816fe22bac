"""The yearly quality inspection (QUAL-3, ACT-5, FORM-A): opening, self-inspection with QC-STATION by a
working-day deadline (last day on time, next day late), the reproducible sample, the external inspection
through the scorecards app with the examiners' card check, results, closing, the workflow order (409) and
the results in the QUAL-1 通报."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.notifications.models import Message
from dudao.people.models import ExaminerCard
from dudao.quality import documents, domain, selectors, services
from dudao.quality.models import CampaignEntry, QualityCampaign
from dudao.scorecards.models import Evaluation
from tests import factories as f
from tests.clock import TODAY
from tests.factories.scorecards import best_answers, evaluation_advance

from . import support as s

SELF_DUE = dt.date(2026, 12, 17)  # Thu 2026-12-03 + 10 working days (CAL-2)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC) - dt.timedelta(hours=8)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def campaign(auth_admin, institution, second_institution, other_institution):
    return services.campaign_create(actor=auth_admin, year=2026)


@pytest.fixture
def opened(campaign, auth_admin):
    return services.campaign_open(actor=auth_admin, campaign=campaign, row_version=campaign.row_version)


def entry_of(campaign, institution) -> CampaignEntry:
    return CampaignEntry.objects.get(campaign=campaign, institution=institution)


def self_submit(campaign, institution, user, **changes):
    return services.self_submit(
        actor=user, entry=entry_of(campaign, institution), answers=best_answers("QC-STATION") | changes
    )


def test_a_campaign_opens_for_the_region_with_a_deadline_in_working_days(
    opened, institution, second_institution, inst_admin
):
    assert opened.status == "open" and opened.title == "2026年度职业技能鉴定质量检查"
    assert opened.self_due == SELF_DUE and opened.self_due_provisional is False
    assert opened.form_version.form_id == "QC-STATION"
    entries = CampaignEntry.objects.filter(campaign=opened)
    assert {e.institution_id for e in entries} == {institution.pk, second_institution.pk}
    assert Message.objects.filter(recipient=inst_admin, kind="quality.campaign_opened").count() == 1
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="quality.campaign")] == [
        "quality.campaign.create",
        "quality.campaign.open",
    ]


def test_one_campaign_a_year_per_authority(campaign, auth_admin):
    with pytest.raises(Conflict):
        services.campaign_create(actor=auth_admin, year=2026)
    assert QualityCampaign.objects.count() == 1


@pytest.mark.parametrize("year", ["1999", "2028", "x"])
def test_a_bad_year_is_refused(auth_admin, year):
    with pytest.raises(ValidationFailed):
        services.campaign_create(actor=auth_admin, year=year)
    assert not QualityCampaign.objects.exists()


def test_only_authority_users_create_and_manage(campaign, inst_admin, other_authority_user):
    with pytest.raises(PermissionDenied):
        services.campaign_create(actor=inst_admin, year=2026)
    with pytest.raises(PermissionDenied):
        services.campaign_open(
            actor=other_authority_user, campaign=campaign, row_version=campaign.row_version
        )
    assert fresh(campaign).status == "draft"


def test_steps_out_of_order_are_refused(campaign, auth_admin, institution, inst_admin):
    with pytest.raises(IllegalTransition):
        services.campaign_sample(actor=auth_admin, campaign=campaign, row_version=campaign.row_version)
    with pytest.raises(IllegalTransition):
        services.campaign_close(actor=auth_admin, campaign=campaign, row_version=campaign.row_version)
    opened = services.campaign_open(actor=auth_admin, campaign=campaign, row_version=campaign.row_version)
    with pytest.raises(IllegalTransition):
        services.campaign_open(actor=auth_admin, campaign=opened, row_version=opened.row_version)
    with pytest.raises(IllegalTransition):
        services.campaign_close(actor=auth_admin, campaign=opened, row_version=opened.row_version)
    with pytest.raises(IllegalTransition):  # external inspection before the sample
        services.entry_inspect(actor=auth_admin, entry=entry_of(opened, institution))
    assert fresh(opened).status == "open"


def test_a_stale_version_is_refused(campaign, auth_admin):
    with pytest.raises(Conflict):
        services.campaign_open(actor=auth_admin, campaign=campaign, row_version=campaign.row_version + 1)


def test_self_inspection_is_scored_by_the_form(opened, institution, inst_admin):
    entry = self_submit(opened, institution, inst_admin, **{"1.1": "partial", "B1": True})
    # 100 − 3 (1.1 partial) + 5 (bonus) = 102, capped at 100 (FORM-A)
    assert entry.self_total == Decimal("100.00") and entry.self_band == "excellent"
    assert entry.self_submitted_by == inst_admin and entry.answers["B1"] is True


def test_self_inspection_partial_scores(opened, institution, inst_admin):
    entry = self_submit(opened, institution, inst_admin, **{"1.1": "none", "2.1": "partial", "3.1": "none"})
    assert entry.self_total == Decimal("88.00")  # 100 − 5 − 2 − 5


def test_an_incomplete_self_inspection_is_refused_and_saved_answers_are_kept(opened, institution, inst_admin):
    entry = entry_of(opened, institution)
    services.self_save(actor=inst_admin, entry=entry, answers={"1.1": "full", "1.2": "partial"})
    with pytest.raises(ValidationFailed) as exc:
        services.self_submit(actor=inst_admin, entry=entry)
    assert "项目 1.3:缺少答案" in str(exc.value.detail)
    entry = fresh(entry)
    assert entry.answers == {"1.1": "full", "1.2": "partial"} and entry.self_submitted_at is None


def test_a_bad_answer_is_refused_and_changes_nothing(opened, institution, inst_admin):
    entry = entry_of(opened, institution)
    with pytest.raises(ValidationFailed):
        services.self_save(actor=inst_admin, entry=entry, answers={"1.1": "maybe"})
    with pytest.raises(ValidationFailed):
        services.self_save(actor=inst_admin, entry=entry, answers={"9.9": "full"})
    with pytest.raises(ValidationFailed):
        services.self_save(actor=inst_admin, entry=entry, answers=["1.1"])
    assert fresh(entry).answers == {}


def test_only_the_institution_itself_self_inspects(opened, institution, second_user, auth_admin):
    entry = entry_of(opened, institution)
    for actor in (second_user, auth_admin):
        with pytest.raises(PermissionDenied):
            services.self_submit(actor=actor, entry=entry, answers=best_answers("QC-STATION"))
    assert fresh(entry).self_submitted_at is None


def test_a_submitted_self_inspection_cannot_change(opened, institution, inst_admin):
    self_submit(opened, institution, inst_admin)
    with pytest.raises(IllegalTransition):
        self_submit(opened, institution, inst_admin, **{"1.1": "none"})
    assert entry_of(opened, institution).self_total == Decimal("100.00")


def test_self_inspection_on_the_last_day_is_on_time(opened, institution, inst_admin, time_machine):
    time_machine.move_to(local(SELF_DUE, 23, 30))
    assert self_submit(opened, institution, inst_admin).self_late is False


def test_self_inspection_the_next_day_is_late(opened, institution, inst_admin, time_machine):
    time_machine.move_to(local(SELF_DUE + dt.timedelta(days=1), 0, 5))
    entry = self_submit(opened, institution, inst_admin)
    assert entry.self_late is True and entry.self_total == Decimal("100.00")


def test_a_draft_campaign_has_no_self_inspection(campaign, inst_admin):
    assert list(selectors.entries_for(inst_admin)) == []


def test_the_sample_waits_for_the_deadline_or_every_self_inspection(
    opened, auth_admin, institution, inst_admin, time_machine
):
    self_submit(opened, institution, inst_admin)
    with pytest.raises(Conflict) as exc:
        services.campaign_sample(actor=auth_admin, campaign=opened, row_version=opened.row_version)
    assert "还有 1 家机构未提交自查" in exc.value.message
    time_machine.move_to(local(SELF_DUE, 23, 30))  # the last day: still open for the others
    with pytest.raises(Conflict):
        services.campaign_sample(actor=auth_admin, campaign=opened, row_version=opened.row_version)
    time_machine.move_to(local(SELF_DUE + dt.timedelta(days=1), 8))
    drawn = services.campaign_sample(actor=auth_admin, campaign=opened, row_version=opened.row_version)
    assert drawn.status == "inspecting" and drawn.sample_size is None
    assert CampaignEntry.objects.filter(campaign=opened, sampled=True).count() == 2


def test_the_sample_is_reproducible_from_its_seed(opened, auth_admin, time_machine):
    ids = list(CampaignEntry.objects.filter(campaign=opened).values_list("institution_id", flat=True))
    expected = domain.sample(ids, 1, "2026-QC")
    time_machine.move_to(local(SELF_DUE + dt.timedelta(days=1), 8))
    with pytest.raises(ValidationFailed):  # a partial sample needs a seed to be checked later
        services.campaign_sample(actor=auth_admin, campaign=opened, row_version=opened.row_version, size=1)
    drawn = services.campaign_sample(
        actor=auth_admin, campaign=opened, row_version=opened.row_version, size="1", seed="2026-QC"
    )
    assert (drawn.sample_size, drawn.sample_seed) == (1, "2026-QC")
    sampled = list(
        CampaignEntry.objects.filter(campaign=opened, sampled=True).values_list("institution_id", flat=True)
    )
    assert sampled == expected and len(sampled) == 1


def test_sample_domain():
    assert domain.sample([5, 3, 9], None, "") == [3, 5, 9]
    assert domain.sample([5, 3, 9], 3, "x") == [3, 5, 9]
    assert domain.sample([5, 3, 9], 4, "x") == [3, 5, 9]
    one = domain.sample(range(1, 101), 10, "seed-a")
    assert one == domain.sample(list(range(100, 0, -1)), 10, "seed-a") and len(one) == 10
    assert one != domain.sample(range(1, 101), 10, "seed-b")
    assert domain.sample([1, 2, 3], 0, "x") == []


def test_card_state_boundaries():
    assert domain.card_state(None, TODAY) == "missing"
    assert domain.card_state(TODAY - dt.timedelta(days=1), TODAY) == "expired"
    assert domain.card_state(TODAY, TODAY) == "expiring"
    assert domain.card_state(TODAY + dt.timedelta(days=90), TODAY) == "expiring"
    assert domain.card_state(TODAY + dt.timedelta(days=91), TODAY) == "ok"
    assert domain.gap(Decimal("95"), Decimal("80.5")) == Decimal("-14.50")
    assert domain.gap(None, Decimal("80")) is None


def _examiner(authority, name, valid_until, *, status="valid"):
    examiner = f.ExaminerFactory(authority=authority, person=f.PersonFactory(name=name))
    if valid_until is not None:
        ExaminerCard.objects.create(
            examiner=examiner,
            number=f"KP{examiner.pk:06d}",
            issued_on=valid_until - dt.timedelta(days=3 * 365),
            valid_until=valid_until,
            status=status,
        )
    return examiner


def sample_all(campaign, actor, time_machine):
    time_machine.move_to(local(SELF_DUE + dt.timedelta(days=1), 8))
    return services.campaign_sample(actor=actor, campaign=campaign, row_version=fresh(campaign).row_version)


def test_the_examiners_cards_are_checked_with_the_sample(
    opened, auth_admin, authority, institution, time_machine
):
    batch = s.batch(institution, dt.date(2026, 6, 1))
    later = TODAY + dt.timedelta(days=1)  # the check runs on the day after the deadline
    batch.examiners.set(
        [
            _examiner(authority, "甲考评", later - dt.timedelta(days=1)),  # ends the day before: expired
            _examiner(authority, "乙考评", later + dt.timedelta(days=300)),  # fine
            _examiner(authority, "丙考评", None),  # no card
            _examiner(authority, "丁考评", later + dt.timedelta(days=400), status="revoked"),  # revoked only
        ]
    )
    sample_all(opened, auth_admin, time_machine)
    cards = entry_of(opened, institution).card_check
    assert [(c["name"], c["state"]) for c in cards] == sorted(
        [("丁考评", "missing"), ("丙考评", "missing"), ("甲考评", "expired")]
    )
    assert [c["state_label"] for c in cards if c["name"] == "甲考评"] == ["证卡已过期"]


def test_external_inspection_results_and_closing(
    opened, auth_admin, institution, second_institution, inst_admin, time_machine
):
    self_submit(opened, institution, inst_admin, **{"1.1": "partial"})  # 97
    campaign = sample_all(opened, auth_admin, time_machine)
    first, second = entry_of(campaign, institution), entry_of(campaign, second_institution)
    first = services.entry_inspect(actor=auth_admin, entry=first)
    assert first.evaluation.purpose == "annual_inspection" and first.evaluation.leader == auth_admin
    with pytest.raises(Conflict):
        services.entry_inspect(actor=auth_admin, entry=first)
    with pytest.raises(Conflict) as exc:  # nothing signed yet
        services.campaign_close(actor=auth_admin, campaign=campaign, row_version=fresh(campaign).row_version)
    assert institution.name in exc.value.message
    evaluation_advance(first.evaluation, answers={"1.1": "none", "2.1": "none", "3.1": "none", "3.2": "none"})
    second = services.entry_inspect(actor=auth_admin, entry=second)
    evaluation_advance(
        second.evaluation,
        answers={k: "none" for k in ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "3.1")},
    )
    rows = {r["institution_id"]: r for r in selectors.campaign_results(fresh(campaign))}
    assert rows[institution.pk]["self_total"] == Decimal("97.00")
    assert rows[institution.pk]["external_total"] == Decimal("81.00")  # 100 − 5 − 4 − 5 − 5
    assert rows[institution.pk]["gap"] == Decimal("-16.00")
    assert (rows[institution.pk]["external_band"], rows[institution.pk]["external_failing"]) == ("良", False)
    assert rows[second_institution.pk]["external_total"] == Decimal("57.00")  # 100 − 6×5 − 2×4 − 5
    assert (
        rows[second_institution.pk]["external_band"],
        rows[second_institution.pk]["external_failing"],
    ) == (
        "差",
        True,
    )
    assert (
        rows[second_institution.pk]["self_submitted"] is False and rows[second_institution.pk]["gap"] is None
    )
    closed = services.campaign_close(
        actor=auth_admin, campaign=campaign, row_version=fresh(campaign).row_version
    )
    assert closed.status == "closed"
    with pytest.raises(IllegalTransition):
        services.self_submit(actor=inst_admin, entry=entry_of(campaign, institution))


def test_another_authority_cannot_inspect(
    opened, auth_admin, other_authority_user, institution, time_machine
):
    campaign = sample_all(opened, auth_admin, time_machine)
    with pytest.raises(PermissionDenied):
        services.entry_inspect(actor=other_authority_user, entry=entry_of(campaign, institution))
    assert not Evaluation.objects.exists()


def test_an_institution_not_drawn_is_not_inspected(
    opened, auth_admin, institution, second_institution, time_machine
):
    time_machine.move_to(local(SELF_DUE + dt.timedelta(days=1), 8))
    campaign = services.campaign_sample(
        actor=auth_admin, campaign=opened, row_version=opened.row_version, size=1, seed="s"
    )
    left = CampaignEntry.objects.get(campaign=campaign, sampled=False)
    with pytest.raises(Conflict):
        services.entry_inspect(actor=auth_admin, entry=left)
    assert left.card_check == []


def test_a_closed_campaign_ends_in_the_report_of_its_year(
    opened, auth_admin, institution, second_institution, inst_admin, time_machine
):
    self_submit(opened, institution, inst_admin, **{"1.1": "partial"})  # 97, on time
    campaign = sample_all(opened, auth_admin, time_machine)
    for inst, answers in (
        (institution, {"1.1": "none"}),
        (second_institution, {"1.1": "none", "1.2": "none"}),
    ):
        entry = services.entry_inspect(actor=auth_admin, entry=entry_of(campaign, inst))
        evaluation_advance(entry.evaluation, answers=answers | {f"3.{n}": "none" for n in range(1, 9)})
    services.campaign_close(actor=auth_admin, campaign=campaign, row_version=fresh(campaign).row_version)
    s.batch(institution, dt.date(2026, 6, 1))
    report = services.report_create(actor=auth_admin, period_start=dt.date(2026, 1, 1), period_end=TODAY)
    row = report.row_of(institution.pk)["campaign"]
    assert row == {
        "campaign_id": campaign.pk,
        "title": "2026年度职业技能鉴定质量检查",
        "self_total": "97.00",
        "self_submitted": True,
        "self_late": False,
        "sampled": True,
        "external_total": "55.00",  # 100 − 5 − 8×5
        "external_band": "差",
        "external_failing": True,
        "gap": "-42.00",
        "cards": 0,
    }
    assert report.row_of(second_institution.pk)["campaign"]["self_submitted"] is False
    body = [p for p in documents.context(report)["paragraphs"] if isinstance(p, str)]
    heads = [p["heading"] for p in documents.context(report)["paragraphs"] if isinstance(p, dict)]
    assert heads[2:] == ["三、年度质量检查情况", "四、有关要求"]
    assert f"{institution.name}:外查55.00分(差),自查97.00分,外查比自查低42.00分。" in body
    assert (
        f"外查不合格的评价机构:{second_institution.name}、{institution.name},予以通报批评,限期整改。" in body
        or (
            f"外查不合格的评价机构:{institution.name}、{second_institution.name},予以通报批评,限期整改。"
            in body
        )
    )
    assert f"未按要求开展自查的评价机构:{second_institution.name}。" in body


def test_a_report_of_another_year_or_an_open_campaign_has_no_campaign_section(
    opened, auth_admin, institution
):
    report = services.report_create(actor=auth_admin, period_start=dt.date(2026, 1, 1), period_end=TODAY)
    assert report.row_of(institution.pk)["campaign"] is None
    heads = [p["heading"] for p in documents.context(report)["paragraphs"] if isinstance(p, dict)]
    assert heads[-1] == "三、有关要求"


def test_report_numbers_come_from_a_locked_sequence(auth_admin, institution):
    from dudao.quality.models import QualityReport
    from dudao.supervision.models import NumberSequence

    first = services.report_create(actor=auth_admin, period_start=dt.date(2026, 1, 1), period_end=TODAY)
    second = services.report_create(actor=auth_admin, period_start=dt.date(2026, 1, 1), period_end=TODAY)
    assert (first.number, second.number) == ("质通〔2026〕1号", "质通〔2026〕2号")
    key = f"quality-report:{auth_admin.authority_id}:2026"
    assert NumberSequence.objects.get(key=key).last == 2
    # a number is never issued twice, even when the count of reports would repeat it
    QualityReport.objects.filter(pk=second.pk).update(created_at=first.created_at.replace(year=2025))
    third = services.report_create(actor=auth_admin, period_start=dt.date(2026, 1, 1), period_end=TODAY)
    assert third.number == "质通〔2026〕3号"


def test_a_new_sequence_starts_after_the_reports_numbered_before_it(auth_admin, institution):
    from dudao.supervision.models import NumberSequence

    services.report_create(actor=auth_admin, period_start=dt.date(2026, 1, 1), period_end=TODAY)
    NumberSequence.objects.filter(key__startswith="quality-report:").delete()  # as before the sequence
    again = services.report_create(actor=auth_admin, period_start=dt.date(2026, 1, 1), period_end=TODAY)
    assert again.number == "质通〔2026〕2号"


@pytest.mark.parametrize(
    ("gap", "words"),
    [
        ("-0.50", ",外查比自查低0.50分"),
        ("0.00", ",外查与自查得分相同"),
        ("3.00", ",外查比自查高3.00分"),
        (None, ""),
    ],
)
def test_the_gap_is_printed_in_words(gap, words):
    assert documents._gap_words(gap) == words
