"""registry.bulk filings_create (with scopes) and batches_create: the same rows and audit events as
filing_create / batch_create for the same input, each of their rules reported per row with its column and
value, nothing written on any error."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.common.audit import verify_chain
from dudao.common.bulk import BulkRefused
from dudao.registry import bulk, services
from dudao.registry import models as rm
from tests import bulk_support
from tests import factories as f
from tests.registry.conftest import counts, local, make_examiner

pytestmark = pytest.mark.django_db
D = dt.date
MODELS = [rm.Filing, rm.FilingScope, rm.Batch, rm.Batch.examiners.through]


def written(call) -> tuple[dict, list]:
    # A batch's examiners are a set: the order its link rows were written in means nothing.
    return bulk_support.written(call, MODELS, as_sets=[rm.Batch.examiners.through])


def problems(call) -> list[tuple[int, str, str, str]]:
    before = counts()
    with pytest.raises(BulkRefused) as exc:
        call()
    assert counts() == before  # nothing written
    return [(p.row, p.field, p.message, p.value) for p in exc.value.problems]


def rows(*items, start=2):
    return [(start + i, item) for i, item in enumerate(items)]


# ----------------------------------------------------------------------------------------- filings
def filing_row(institution, number="JX-BA-0100", **values):
    row = {
        "institution_uscc": institution.uscc,
        "number": number,
        "valid_from": D(2024, 1, 1),
        "valid_until": D(2028, 12, 31),
    }
    row.update(values)
    return row


def test_filings_write_what_filing_create_writes(users, institution, other_institution, welder, cook):
    root = users["superuser"]
    items = rows(
        filing_row(
            institution,
            scopes=[
                {"occupation": welder.code, "levels": [5, 4]},
                {"occupation": welder.code, "levels": [3], "start_date": D(2025, 1, 1)},
                {"occupation": cook.code, "levels": [5], "work_type": "面点"},
            ],
        ),
        filing_row(other_institution, "GD-BA-0001", note="外省", authority="JX-HRSS"),
        filing_row(institution, "JX-BA-0099", status="expired", valid_from=D(2020, 1, 1)),
    )

    def one_by_one():
        for _n, row in items:
            services.filing_create(
                actor=root,
                institution=rm.Institution.objects.get(uscc=row["institution_uscc"]),
                number=row["number"],
                valid_from=row["valid_from"],
                valid_until=row["valid_until"],
                status=row.get("status", "active"),
                note=row.get("note", ""),
                authority=rm.Authority.objects.get(code=row["authority"]) if row.get("authority") else None,
                scopes=[
                    {**s, "occupation": rm.Occupation.objects.get(code=s["occupation"])}
                    for s in row.get("scopes", [])
                ],
            )

    single = written(one_by_one)
    many = written(lambda: bulk.filings_create(actor=root, rows=items))
    assert single == many
    assert len(many[0]["FilingScope"]) == 3
    assert {e[0] for e in many[1]} == {"registry.filing.create", "registry.scope.add"}
    assert bulk.filings_create(actor=root, rows=items).created == 3
    assert verify_chain().ok


def test_filing_rules_reported_per_row_with_column_and_value(users, filing, institution, other_institution):
    staff = users[Role.AUTHORITY_STAFF]
    second = f.InstitutionFactory(authority=institution.authority, region=institution.region)
    found = problems(
        lambda: bulk.filings_create(
            actor=staff,
            rows=rows(
                filing_row(
                    institution, "", valid_from=D(2040, 1, 1), valid_until=D(2041, 1, 1)
                ),  # 2: no number
                filing_row(second, "JX-BA-0001"),  # 3: number taken
                filing_row(second, "N-2", valid_until=D(2023, 12, 31)),  # 4: ends before it starts
                filing_row(institution, "N-3", valid_from=D(2028, 12, 31), valid_until=D(2030, 1, 1)),  # 5
                filing_row(other_institution, "N-4"),  # 6: outside the actor's scope
                filing_row(second, "N-5", status="nope"),  # 7
                filing_row(second, "N-6", valid_from=D(2030, 1, 1), valid_until=D(2031, 1, 1)),  # 8
                filing_row(second, "N-6", valid_from=D(2032, 1, 1), valid_until=D(2033, 1, 1)),  # 9: twice
                filing_row(second, "N-7", valid_from=D(2030, 6, 1), valid_until=D(2030, 12, 31)),  # 10
                filing_row(
                    second, "N-8", authority="GD-HRSS", valid_from=D(2035, 1, 1), valid_until=D(2036, 1, 1)
                ),
            ),
        )
    )
    assert found == [
        (2, "number", "请填写备案编号", ""),
        (3, "number", f"备案编号 JX-BA-0001 已存在(机构「{institution.name}」)", "JX-BA-0001"),
        (4, "valid_until", "有效期止必须晚于有效期起", "2023-12-31"),
        (5, "valid_from", "与现有备案 JX-BA-0001 的有效期重叠(2024-01-01 至 2028-12-31)", "2028-12-31"),
        (
            6,
            "institution_uscc",
            f"评价机构「{other_institution.uscc}」不存在或不在您的管辖范围内",
            other_institution.uscc,
        ),
        (7, "status", "备案状态「nope」无效", "nope"),
        (9, "number", "备案编号 N-6 与第 8 行重复", "N-6"),
        (10, "valid_from", "与现有备案 N-6 的有效期重叠(2030-01-01 至 2031-01-01)", "2030-06-01"),
        (11, "authority", "备案机关不存在或不在您的管辖范围内", "GD-HRSS"),
    ]


def test_filing_period_overlap_boundary(users, filing, institution):
    staff = users[Role.AUTHORITY_STAFF]
    # the day after the open filing ends does not overlap; a closed filing never does
    items = rows(
        filing_row(institution, "N-1", valid_from=D(2029, 1, 1), valid_until=D(2030, 1, 1)),
        filing_row(institution, "N-2", status="terminated", valid_from=D(2025, 1, 1)),
    )
    assert bulk.filings_create(actor=staff, rows=items).created == 2


def test_filing_scope_rules(users, institution, welder):
    staff = users[Role.AUTHORITY_STAFF]
    f.OccupationFactory(code="4-01-01-01", name="停用", is_active=False)
    found = problems(
        lambda: bulk.filings_create(
            actor=staff,
            rows=rows(
                filing_row(
                    institution,
                    "S-1",
                    scopes=[
                        {"occupation": "4-01-01-01", "levels": [3]},
                        {"occupation": welder.code, "levels": [6]},
                        {"occupation": welder.code, "levels": [3], "start_date": D(2029, 1, 1)},
                        {"occupation": welder.code, "levels": [5, 4]},
                        {"occupation": welder.code, "levels": [4]},
                    ],
                ),
                filing_row(
                    institution,
                    "S-2",
                    status="expired",
                    valid_from=D(2018, 1, 1),
                    valid_until=D(2020, 1, 1),
                    scopes=[{"occupation": welder.code, "levels": [3]}],
                ),
            ),
        )
    )
    assert found == [
        (2, "scopes", "职业不存在或已停用", "4-01-01-01"),
        (2, "scopes", "等级「6」无效,只能是 1–5", "[6]"),
        (2, "scopes", "起始日期应在备案有效期(2024-01-01 至 2028-12-31)内", "2029-01-01"),
        (2, "scopes", "职业「焊工」的等级 四级/中级工 已在认定范围内", welder.code),
        (3, "scopes", "备案状态为「已到期」,不能增加认定范围", ""),
    ]
    # the last day of the period is a valid start
    ok = filing_row(
        institution, "S-3", scopes=[{"occupation": welder.code, "levels": [3], "start_date": D(2028, 12, 31)}]
    )
    assert bulk.filings_create(actor=staff, rows=rows(ok)).created == 1


def test_filings_need_the_permission(users, institution):
    found = problems(
        lambda: bulk.filings_create(actor=users[Role.INSTITUTION_ADMIN], rows=rows(filing_row(institution)))
    )
    assert [(r, field) for r, field, _m, _v in found] == [(2, "institution_uscc")]


# ----------------------------------------------------------------------------------------- batches
def batch_row(institution, venue, occupation, **values):
    row = {
        "institution_uscc": institution.uscc,
        "occupation": occupation.code,
        "levels": [4],
        "venue": venue.pk,
        "starts_at": local(2025, 3, 10, 9),
        "ends_at": local(2025, 3, 10, 17),
        "candidate_count": 30,
    }
    row.update(values)
    return row


def test_batches_write_what_batch_create_writes(users, filing, institution, venue, welder, examiner):
    staff = users[Role.INSTITUTION_STAFF]
    second = make_examiner(welder, name="李考评")
    items = rows(
        batch_row(institution, venue, welder, examiners=[examiner.pk, second.pk], team_leader=second.pk),
        batch_row(institution, venue, welder),
        batch_row(institution, venue, welder, code="HAND-1", levels=[5, 3], work_type=""),
        batch_row(
            institution, venue, welder, starts_at=local(2025, 3, 11, 9), ends_at=local(2025, 3, 11, 17)
        ),
    )

    def one_by_one():
        for _n, row in items:
            services.batch_create(
                actor=staff,
                institution=institution,
                occupation=welder,
                levels=row["levels"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                venue=venue,
                candidate_count=row["candidate_count"],
                examiners=row.get("examiners", []),
                team_leader=row.get("team_leader"),
                code=row.get("code", ""),
            )

    single = written(one_by_one)
    many = written(lambda: bulk.batches_create(actor=staff, rows=items))
    assert single == many
    assert [b["code"] for b in many[0]["Batch"]] == [
        "PC202503100001",
        "PC202503100002",
        "HAND-1",
        "PC202503110001",
    ]
    assert {e[0] for e in many[1]} == {"registry.batch.create"}
    assert bulk.batches_create(actor=staff, rows=items).created == 4
    assert verify_chain().ok


def test_batch_rules_reported_per_row_with_column_and_value(
    users, filing, institution, venue, other_venue, welder, cook, examiner
):
    staff = users[Role.INSTITUTION_STAFF]
    lost = make_examiner(welder, status="lost", name="李挂失")
    closed = f.VenueFactory(institution=institution, name="停用考场", is_active=False)
    services.batch_create(
        actor=staff,
        institution=institution,
        occupation=welder,
        levels=[4],
        starts_at=local(2025, 3, 10, 9),
        ends_at=local(2025, 3, 10, 17),
        venue=venue,
        code="TAKEN",
    )
    found = problems(
        lambda: bulk.batches_create(
            actor=staff,
            rows=rows(
                batch_row(institution, venue, cook),  # 2: occupation not filed
                batch_row(institution, venue, welder, levels=[2]),  # 3
                batch_row(institution, venue, welder, ends_at=local(2025, 3, 10, 9)),  # 4
                batch_row(institution, other_venue, welder),  # 5
                batch_row(institution, closed, welder),  # 6
                batch_row(institution, venue, welder, examiners=[lost.pk]),  # 7
                batch_row(institution, venue, welder, examiners=[examiner.pk], team_leader=lost.pk),  # 8
                batch_row(institution, venue, welder, code="TAKEN"),  # 9
                batch_row(institution, venue, welder, code="TWICE"),  # 10
                batch_row(institution, venue, welder, code="TWICE"),  # 11
                batch_row(institution, venue, welder, candidate_count=-1),  # 12
                batch_row(institution, venue, welder, starts_at="2025-03-10"),  # 13
            ),
        )
    )
    card = lost.cards.get().number
    assert found == [
        (2, "occupation", "职业「中式烹调师」不在备案 JX-BA-0001 的认定范围内", cook.code),
        (3, "levels", "等级 二级/技师 不在备案 JX-BA-0001 职业「焊工」的认定范围内", "[2]"),
        (4, "ends_at", "批次结束时间必须晚于开始时间", str(local(2025, 3, 10, 9))),
        (5, "venue", "考核场所不属于该评价机构", str(other_venue.pk)),
        (6, "venue", "考核场所「停用考场」已停用", str(closed.pk)),
        (7, "examiners", f"考评员 李挂失:证卡 {card}:考评员证卡已挂失,不得参加考评", ""),
        (8, "team_leader", "考评组长须是本批次的考评人员之一", str(lost.pk)),
        (9, "code", "批次编号 TAKEN 已存在", "TAKEN"),
        (11, "code", "批次编号 TWICE 与第 10 行重复", "TWICE"),
        (12, "candidate_count", "考生人数不能为负数", "-1"),
        (13, "starts_at", "时间格式应为 YYYY-MM-DD HH:MM", "2025-03-10"),
    ]


def test_batch_candidate_count_zero_is_accepted(users, filing, institution, venue, welder):
    row = batch_row(institution, venue, welder, candidate_count=0)
    assert bulk.batches_create(actor=users[Role.INSTITUTION_STAFF], rows=rows(row)).created == 1


def test_batches_of_another_institution_are_not_found(users, other_institution, other_venue, welder):
    row = batch_row(other_institution, other_venue, welder)
    found = problems(lambda: bulk.batches_create(actor=users[Role.INSTITUTION_STAFF], rows=rows(row)))
    assert found == [
        (
            2,
            "institution_uscc",
            f"评价机构「{other_institution.uscc}」不存在或不在您的管辖范围内",
            other_institution.uscc,
        )
    ]
