"""Destruction plans and receipts (ARCH-2; FORM-B B8.4): only kinds past retention, never permanent ones;
approval, the receipt, and the destroyed files leaving the package (which still verifies)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from dudao.accounts.models import Role
from dudao.archives import services
from dudao.archives.models import DestructionPlan, DestructionReceipt
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_day(package):
    """The first day the results (1 year after the certificates) may be destroyed."""
    return package.certificates_on.replace(year=package.certificates_on.year + 1) + dt.timedelta(days=1)


def create(actor, package, kinds, day, **over):
    values = {
        "actor": actor,
        "institution": package.institution,
        "planned_on": day,
        "reason": "保存期已满",
        "items": [{"package": package.pk, "kind": k} for k in kinds],
        "today": day,
    }
    values.update(over)
    return services.destruction_plan_create(**values)


def test_a_kind_not_yet_due_is_refused_on_its_last_day(inst_admin, package, due_day):
    last = due_day - dt.timedelta(days=1)
    with pytest.raises(ValidationFailed, match="保存期未满"):
        create(inst_admin, package, ["results"], last)
    assert not DestructionPlan.objects.exists()
    plan = create(inst_admin, package, ["results"], due_day)
    assert [(i.package_id, i.kind) for i in plan.items.all()] == [(package.pk, "results")]


def test_permanent_kinds_are_never_destroyable(inst_admin, package, due_day):
    far = due_day.replace(year=due_day.year + 50)
    for kind in ("certificate_roster", "registrations", "examiners"):
        with pytest.raises(ValidationFailed, match="永久保存"):
            create(inst_admin, package, [kind], far)
    assert not DestructionPlan.objects.exists()


def test_unknown_kinds_and_foreign_packages_are_refused(inst_admin, package, due_day, other_admin):
    with pytest.raises(ValidationFailed, match="不存在"):
        create(inst_admin, package, ["nope"], due_day)
    with pytest.raises(ValidationFailed, match="请选择"):
        create(inst_admin, package, [], due_day)
    with pytest.raises(ValidationFailed, match="早于今天"):
        create(inst_admin, package, ["results"], due_day, today=due_day + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        create(other_admin, package, ["results"], due_day)
    assert not DestructionPlan.objects.exists()


@pytest.mark.parametrize("role", [Role.INSTITUTION_STAFF, Role.AUTHORITY_ADMIN, Role.EXAMINER, "superuser"])
def test_only_the_institution_admin_plans_destruction(users, package, due_day, role):
    with pytest.raises(PermissionDenied):
        create(users[role], package, ["results"], due_day)
    assert not DestructionPlan.objects.exists()


def test_an_item_is_in_one_open_plan_only(inst_admin, package, due_day):
    create(inst_admin, package, ["results"], due_day)
    with pytest.raises(Conflict, match="另一份销毁计划"):
        create(inst_admin, package, ["results", "eligibility"], due_day)
    assert DestructionPlan.objects.count() == 1


def test_approval_then_receipt_prunes_the_package(inst_admin, users, package, due_day, time_machine):
    time_machine.move_to(fx.at(due_day, 9))
    plan = create(inst_admin, package, ["results", "eligibility"], due_day)
    receipt_values = {
        "destroyed_on": due_day,
        "destroyed_by_name": "张三",
        "method": "删除电子文件",
        "witness": "李四",
    }
    with pytest.raises(IllegalTransition, match="尚未审批"):
        services.destruction_receipt_record(
            actor=inst_admin, plan=plan, row_version=plan.row_version, **receipt_values
        )
    with pytest.raises(PermissionDenied):
        services.destruction_plan_approve(
            actor=users[Role.INSTITUTION_STAFF], plan=plan, row_version=plan.row_version
        )
    plan = services.destruction_plan_approve(actor=inst_admin, plan=plan, row_version=plan.row_version)
    assert (plan.status, plan.approved_by) == (DestructionPlan.Status.APPROVED, inst_admin)
    old_digest = package.manifest_digest
    receipt = services.destruction_receipt_record(
        actor=inst_admin, plan=plan, row_version=plan.row_version, **receipt_values
    )
    assert receipt.witness == "李四"
    package.refresh_from_db()
    assert sorted(package.destroyed) == ["eligibility", "results"]
    assert package.manifest_digest != old_digest
    with zipfile.ZipFile(io.BytesIO(services.package_bytes(package))) as archive:
        names = set(archive.namelist())
    assert (
        "results.json" not in names and "eligibility.csv" not in names and "certificate-roster.csv" in names
    )
    check = services.package_verify(package)
    assert check.valid
    (entry,) = check.verdict.manifest["package"]["destroyed"]
    assert entry["previous_manifest"] == old_digest
    assert [f["path"] for f in entry["files"]] == ["eligibility.csv", "results.json"]
    prune = AuditEvent.objects.get(action="archives.package.prune")
    assert prune.after["manifest_sm3"] == package.manifest_digest
    assert AuditEvent.objects.filter(action="archives.destruction_receipt.record").count() == 1
    plan.refresh_from_db()
    assert plan.status == DestructionPlan.Status.DONE
    with pytest.raises(IllegalTransition, match="已登记"):
        services.destruction_receipt_record(
            actor=inst_admin, plan=plan, row_version=plan.row_version, **receipt_values
        )
    rows = {r.kind: r for r in services.retention_of(package, today=due_day)}
    assert rows["results"].destroyed and not rows["seat_plans"].destroyed
    # the score books fall due on the same day and were not in this plan
    assert [r.kind for _, r in services.due_items([package], today=due_day)] == ["score_books"]


def test_a_receipt_needs_its_fields_and_a_date_not_before_the_plan(
    inst_admin, package, due_day, time_machine
):
    time_machine.move_to(fx.at(due_day + dt.timedelta(days=2), 9))
    plan = create(inst_admin, package, ["results"], due_day + dt.timedelta(days=1), today=due_day)
    plan = services.destruction_plan_approve(actor=inst_admin, plan=plan, row_version=plan.row_version)
    base = {"destroyed_by_name": "张三", "method": "删除", "witness": "李四", "row_version": plan.row_version}
    with pytest.raises(ValidationFailed, match="不能早于计划销毁日期"):
        services.destruction_receipt_record(actor=inst_admin, plan=plan, destroyed_on=due_day, **base)
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        services.destruction_receipt_record(
            actor=inst_admin, plan=plan, destroyed_on=due_day + dt.timedelta(days=3), **base
        )
    with pytest.raises(ValidationFailed, match="请填写监销人"):
        services.destruction_receipt_record(
            actor=inst_admin,
            plan=plan,
            destroyed_on=due_day + dt.timedelta(days=1),
            **{**base, "witness": " "},
        )
    assert not DestructionReceipt.objects.exists()
    package.refresh_from_db()
    assert package.destroyed == []


def test_due_items_list_the_kinds_past_retention(package, due_day):
    assert services.due_items([package], today=due_day - dt.timedelta(days=1)) == []
    assert sorted(r.kind for _, r in services.due_items([package], today=due_day)) == [
        "eligibility",
        "results",
        "score_books",
    ]


def test_the_retention_setting_moves_the_dates(package, due_day, settings):
    from dudao.archives.domain import parse_retention

    settings.DUDAO_ARCHIVE_RETENTION = parse_retention('{"results": 2, "certificate_roster": 30}')
    assert [r.kind for _, r in services.due_items([package], today=due_day)] == ["eligibility", "score_books"]
    rows = {r.kind: r for r in services.retention_of(package, today=due_day)}
    assert rows["results"].keep_until == package.certificates_on.replace(
        year=package.certificates_on.year + 2
    )
    assert rows["certificate_roster"].permanent is False
