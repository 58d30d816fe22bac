"""Sealing a plan's records into a package (ARCH-1): who may, when (the batch is over), once; what goes in
(masked personal data only) and the manifest digest in the audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest

from dudao.accounts.models import Role
from dudao.archives import services
from dudao.archives.models import ArchivePackage
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied
from dudao.common.models import AuditEvent
from dudao.exams import services as exams
from dudao.exams.models import ExamPlan
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db


def contents(package) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(services.package_bytes(package))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_admin_seals_every_kind_with_a_verifiable_manifest(plan, inst_admin, over, package):
    files = contents(package)
    manifest = json.loads(files["manifest.json"])
    assert [k["kind"] for k in manifest["kinds"]] == [
        "registrations", "eligibility", "seat_plans", "examiners", "attendance", "room_records",
        "violations", "results", "score_books", "objections", "certificate_roster", "supervision",
        "video_index",
    ]  # fmt: skip
    assert sorted(files) == sorted([f["path"] for f in manifest["files"]] + ["manifest.json"])
    assert package.manifest_digest == hashlib.new("sm3", files["manifest.json"]).hexdigest()
    assert package.sha256 == hashlib.sha256(services.package_bytes(package)).hexdigest()
    assert (package.sealed_on, package.certificates_on) == (over, over)
    assert manifest["package"]["batch"] == plan.batch.code
    check = services.package_verify(package)
    assert check.valid and check.matches_record
    roster = files["certificate-roster.csv"].decode("utf-8-sig").splitlines()
    assert len(roster) == 3  # header + the two passed candidates
    video = json.loads(files["video-index.json"])
    assert video["videos"] == [] and "本索引为空" in video["note"]


def test_the_audit_event_carries_the_manifest_digest(package):
    event = AuditEvent.objects.get(action="archives.package.seal")
    assert event.after["manifest_sm3"] == package.manifest_digest
    assert event.after["algorithm"] == "sm3"
    assert event.object_id == str(package.pk)


def test_no_clear_id_number_or_phone_is_in_the_package(cohort, package):
    blob = b"".join(contents(package).values()).decode("utf-8", "replace")
    for n, registration in enumerate(cohort, start=1):
        assert fx.make_resident_id(n, birth="19900101") not in blob
        assert registration.person.id_number_masked in blob
        assert f"1380000{n:04d}" not in blob


@pytest.mark.parametrize(
    "role",
    [
        Role.INSTITUTION_STAFF,
        Role.AUTHORITY_STAFF,
        Role.AUTHORITY_ADMIN,
        Role.EXAMINER,
        Role.EXTERNAL_SUPERVISOR,
    ],
)
def test_only_the_institution_admin_seals(plan, users, over, role):
    with pytest.raises(PermissionDenied):
        services.archive_seal(actor=users[role], plan=plan)
    assert not ArchivePackage.objects.exists()
    assert not AuditEvent.objects.filter(action="archives.package.seal").exists()


def test_another_institutions_admin_may_not_seal(plan, other_admin, over):
    with pytest.raises(PermissionDenied):
        services.archive_seal(actor=other_admin, plan=plan)
    assert not ArchivePackage.objects.exists()


def test_sealing_waits_for_the_window_and_the_certificates(
    plan, inst_admin, published, issue_day, time_machine
):
    last = published.objections_close_on
    time_machine.move_to(fx.at(last, 10))
    with pytest.raises(IllegalTransition, match="复核申请期尚未结束"):
        services.archive_seal(actor=inst_admin, plan=plan)
    time_machine.move_to(fx.at(issue_day, 10))
    with pytest.raises(IllegalTransition, match="2 名合格考生未发证"):
        services.archive_seal(actor=inst_admin, plan=plan)
    assert not ArchivePackage.objects.exists()
    exams.certificates_issue(actor=inst_admin, plan=plan, today=issue_day)
    assert services.archive_seal(actor=inst_admin, plan=plan).plan_id == plan.pk


def test_sealing_before_publication_is_refused(plan, inst_admin, cohort):
    with pytest.raises(IllegalTransition, match="成绩尚未公示"):
        services.archive_seal(actor=inst_admin, plan=plan)
    assert not ArchivePackage.objects.exists()


def test_a_cancelled_plan_is_sealed_without_results(plan, inst_admin, cohort):
    ExamPlan.objects.filter(pk=plan.pk).update(status=ExamPlan.Status.CANCELLED)
    package = services.archive_seal(actor=inst_admin, plan=plan)
    assert package.certificates_on is None
    assert services.package_verify(package).valid


def test_a_plan_is_sealed_once(plan, inst_admin, package):
    with pytest.raises(Conflict, match="已归档"):
        services.archive_seal(actor=inst_admin, plan=plan)
    assert ArchivePackage.objects.count() == 1
    assert AuditEvent.objects.filter(action="archives.package.seal").count() == 1


def test_a_stored_package_whose_file_changed_fails_verification(package, settings):
    from pathlib import Path

    path = Path(settings.MEDIA_ROOT) / package.file
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["results.json"] = entries["results.json"].replace(b'"passed": false', b'"passed": true')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    path.write_bytes(out.getvalue())
    check = services.package_verify(package)
    assert check.valid is False
    assert check.as_json()["errors"] == ["文件内容已改变:results.json"]


def test_a_replaced_manifest_does_not_match_the_record(package, settings):
    from pathlib import Path

    path = Path(settings.MEDIA_ROOT) / package.file
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["manifest.json"] = entries["manifest.json"].replace(b'"version": 1', b'"version": 1 ')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    path.write_bytes(out.getvalue())
    check = services.package_verify(package)
    assert check.verdict.valid is True and check.matches_record is False
    assert check.as_json()["errors"] == ["清单摘要与归档时记录的不一致"]


def test_the_retention_dates_of_a_package(package, over):
    rows = {r.kind: r for r in services.retention_of(package, today=over)}
    assert rows["certificate_roster"].permanent and rows["certificate_roster"].destroy_not_before is None
    assert rows["results"].keep_until == over.replace(year=over.year + 1)
    assert rows["seat_plans"].keep_until == over.replace(year=over.year + 5)
    late = over.replace(year=over.year + 1) + dt.timedelta(days=1)
    due = {r.kind for r in services.retention_of(package, today=late) if r.due}
    assert due == {"results", "eligibility", "score_books"}
