"""Writers of batch archives (ARCH-1, ARCH-2; FORM-B B8.1–B8.4): sealing a plan's records into a package,
destruction plans, their approval and the destruction receipt (which removes the destroyed kinds from the
package and re-seals what remains). Reads that compute (verification, retention dates) live here too."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from dudao.common.files import PAPER_KINDS, open_stored, storage_name, store_upload
from dudao.common.writes import (
    checked_text,
    fail,
    lock,
    lock_version,
    parse_date,
    require,
    save_fields,
    unique_or_conflict,
)
from dudao.exams.models import Certificate, ExamPlan, ExamResult, Objection, Registration, ResultPublication
from dudao.registry.models import Institution

from . import domain
from .exporters import EXPORTERS
from .models import ArchivePackage, DestructionItem, DestructionPlan, DestructionReceipt
from .permissions import may_destroy, may_seal
from .verify import PackageUnreadable, verify_zip

ZIP_CONTENT_TYPE = "application/zip"
STORAGE_DIR = "archives"


def retention_table() -> dict[str, domain.Retention]:
    """The retention of every kind (DUDAO_ARCHIVE_RETENTION over the ARCH-2 defaults; checked at start-up)."""
    value = getattr(settings, "DUDAO_ARCHIVE_RETENTION", None)
    if isinstance(value, dict):
        return value
    return domain.parse_retention(value)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# ------------------------------------------------------------------------------------------ sealing


def seal_refusal(plan: ExamPlan, today: dt.date) -> str | None:
    """Why `plan`'s batch is not over yet (Chinese), or None (domain.batch_over_refusal)."""
    publication = ResultPublication.objects.filter(plan=plan).first()
    return domain.batch_over_refusal(
        cancelled=plan.status == ExamPlan.Status.CANCELLED,
        published=publication is not None,
        objections_close_on=publication.objections_close_on if publication else None,
        today=today,
        open_objections=Objection.objects.filter(
            registration__plan=plan, status=Objection.Status.OPEN
        ).count(),
        passed_without_certificate=ExamResult.objects.filter(
            registration__plan=plan,
            registration__status=Registration.Status.APPROVED,
            passed=True,
            registration__certificate__isnull=True,
        ).count(),
    )


def _zip(files: dict[str, bytes], stamp: dt.datetime) -> bytes:
    """A ZIP of `files` in path order, every entry dated `stamp` (the same records give the same bytes)."""
    out = io.BytesIO()
    date_time = timezone.localtime(stamp).timetuple()[:6]
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[path])
    return out.getvalue()


def _store(data: bytes) -> tuple[str, str]:
    """Store the ZIP by content hash; (storage name, sha256)."""
    sha = domain.digest(data, "sha256")
    name = storage_name(sha, STORAGE_DIR)
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data, name=name))
        if saved != name:  # a concurrent writer of the same bytes won the name: keep one copy
            default_storage.delete(saved)
    return name, sha


def _package_facts(plan: ExamPlan, actor: Any, now: dt.datetime, certificates_on: dt.date | None) -> dict:
    batch = plan.batch
    return {
        "plan": plan.pk,
        "title": plan.title,
        "plan_status": plan.get_status_display(),
        "batch": batch.code,
        "institution": batch.institution.name,
        "institution_id": batch.institution_id,
        "occupation": f"{batch.occupation.name}({batch.occupation.code})",
        "levels": list(batch.levels or []),
        "sealed_at": timezone.localtime(now).isoformat(timespec="seconds"),
        "sealed_by": actor.get_username(),
        "certificates_issued_on": certificates_on.isoformat() if certificates_on else None,
    }


@transaction.atomic
def archive_seal(*, actor: Any, plan: ExamPlan, today: dt.date | None = None) -> ArchivePackage:
    """ARCH-1: seal the plan's records into one package (ZIP + manifest of SM3 digests) once its batch is
    over (domain.batch_over_refusal); the institution's admin; one package per plan. The manifest's digest
    enters the audit chain with the event."""
    require(may_seal(actor, plan), "只有本机构的管理员可以归档")
    plan = lock(ExamPlan, plan.pk)
    if ArchivePackage.objects.filter(plan=plan).exists():
        raise Conflict("本认定计划已归档,一个认定计划只生成一个归档包")
    day = _today(today)
    refusal = seal_refusal(plan, day)
    if refusal:
        raise IllegalTransition(refusal)
    now = timezone.now()
    certificates_on = (
        Certificate.objects.filter(registration__plan=plan)
        .order_by("-issued_on")
        .values_list("issued_on", flat=True)
    ).first()
    files: dict[str, bytes] = {}
    kinds: dict[str, list[str]] = {}
    for kind in domain.KINDS:
        produced = EXPORTERS[kind](plan)
        kinds[kind] = sorted(produced)
        files.update(produced)
    facts = _package_facts(plan, actor, now, certificates_on)
    manifest = domain.build_manifest(files, kinds=kinds, package=facts)
    data = _zip({**files, domain.MANIFEST: manifest}, now)
    verdict = verify_zip(data)  # what we store must verify: the guard and the manifest agree
    name, sha = _store(data)
    package = ArchivePackage(
        plan=plan,
        institution_id=plan.batch.institution_id,
        batch_code=plan.batch.code,
        title=plan.title,
        algorithm=verdict.algorithm,
        manifest=verdict.manifest,
        manifest_digest=verdict.manifest_sm3,
        sealed_on=timezone.localtime(now).date(),
        certificates_on=certificates_on,
        kinds=list(kinds),
        file=name,
        sha256=sha,
        original_name=f"archive-{plan.batch.code}.zip",
        content_type=ZIP_CONTENT_TYPE,
        kind="archive",
        size=len(data),
        uploaded_by=actor,
    )
    with unique_or_conflict("本认定计划刚被他人归档,请刷新", "plan"):
        package.save()
    audit.record(
        actor=actor,
        action="archives.package.seal",
        obj=package,
        after={
            "plan": plan.pk,
            "batch": plan.batch.code,
            "algorithm": verdict.algorithm,
            "manifest_sm3": verdict.manifest_sm3,
            "files": verdict.files,
            "zip_sha256": sha,
            "size": len(data),
        },
    )
    return package


# ------------------------------------------------------------------------------------------ reading


def package_bytes(package: ArchivePackage) -> bytes:
    try:
        with open_stored(package.file) as handle:
            return handle.read()
    except OSError:
        raise NotFound("归档包文件已丢失,请联系管理员") from None


@dataclass
class PackageCheck:
    """A stored package checked: the manifest against the files, and the manifest against the record."""

    verdict: domain.Verdict
    matches_record: bool

    @property
    def valid(self) -> bool:
        return self.verdict.valid and self.matches_record

    def as_json(self) -> dict[str, Any]:
        data = self.verdict.as_json()
        data["valid"] = self.valid
        if not self.matches_record and self.verdict.manifest_sm3:
            data["errors"] = [*data["errors"], "清单摘要与归档时记录的不一致"]
        data["matches_record"] = self.matches_record
        return data


def package_verify(package: ArchivePackage) -> PackageCheck:
    """Verify a stored package (a read: callers pass a package from a scoped selector)."""
    try:
        verdict = verify_zip(package_bytes(package))
    except PackageUnreadable as exc:
        return PackageCheck(domain.Verdict(valid=False, errors=[str(exc)]), matches_record=False)
    return PackageCheck(verdict, matches_record=verdict.manifest_sm3 == package.manifest_digest)


def upload_verify(file: Any) -> domain.Verdict:
    """Verify an uploaded ZIP (not stored). ValidationFailed (Chinese) when it is not a readable package."""
    limit = settings.DUDAO_UPLOAD_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ValidationFailed("文件超过上传大小上限", detail={"file": ["文件过大"]})
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed("文件超过上传大小上限", detail={"file": ["文件过大"]})
    try:
        return verify_zip(data)
    except PackageUnreadable as exc:
        raise ValidationFailed(str(exc), detail={"file": [str(exc)]}) from None


@dataclass(frozen=True)
class KindRetention:
    """One kind of a package with its retention: label, rule, last day kept, first day destroyable."""

    kind: str
    label: str
    rule: str
    permanent: bool
    keep_until: dt.date | None
    destroy_not_before: dt.date | None
    due: bool
    destroyed: bool


def retention_of(package: ArchivePackage, today: dt.date | None = None) -> list[KindRetention]:
    day = _today(today)
    table = retention_table()
    rows = []
    for kind in package.kinds:
        retention = table.get(kind) or domain.Retention(None)
        label = domain.KINDS[kind].label if kind in domain.KINDS else kind
        dates = {"sealed_on": package.sealed_on, "certificates_on": package.certificates_on}
        first = domain.destroy_not_before(retention, **dates)
        rows.append(
            KindRetention(
                kind=kind,
                label=label,
                rule=retention.label(),
                permanent=retention.permanent,
                keep_until=domain.keep_until(retention, **dates),
                destroy_not_before=first,
                due=first is not None and day >= first,
                destroyed=kind in package.destroyed,
            )
        )
    return rows


def due_items(
    packages: Iterable[ArchivePackage], today: dt.date | None = None
) -> list[tuple[ArchivePackage, KindRetention]]:
    """(package, kind) pairs past retention, not destroyed and not in an open destruction plan."""
    packages = list(packages)
    planned = set(
        DestructionItem.objects.filter(package__in=packages)
        .exclude(plan__status=DestructionPlan.Status.DONE)
        .values_list("package_id", "kind")
    )
    return [
        (package, row)
        for package in packages
        for row in retention_of(package, today)
        if row.due and not row.destroyed and (package.pk, row.kind) not in planned
    ]


# ------------------------------------------------------------------------------------------ destruction


def _item_refusals(items: list[tuple[ArchivePackage, str]], on: dt.date) -> list[str]:
    table = retention_table()
    problems = []
    for package, kind in items:
        if kind not in package.kinds:
            problems.append(f"归档包 {package.batch_code} 中没有档案类别「{kind}」")
            continue
        if kind in package.destroyed:
            problems.append(f"归档包 {package.batch_code} 的「{domain.KINDS[kind].label}」已销毁")
            continue
        refusal = domain.destruction_refusal(
            kind, table, sealed_on=package.sealed_on, certificates_on=package.certificates_on, on=on
        )
        if refusal:
            problems.append(f"归档包 {package.batch_code}:{refusal}")
    return problems


@transaction.atomic
def destruction_plan_create(
    *,
    actor: Any,
    institution: Institution,
    planned_on: Any,
    reason: Any,
    items: Any,
    today: dt.date | None = None,
) -> DestructionPlan:
    """FORM-B B8.4: a plan to destroy kinds of the institution's packages that are past retention today
    (ARCH-2; permanent kinds never). Items are (package id, kind) pairs."""
    require(may_destroy(actor, institution), "只有本机构的管理员可以编制档案销毁计划")
    day = _today(today)
    planned = parse_date(planned_on, "planned_on", "计划销毁日期")
    if planned < day:
        raise fail("planned_on", "计划销毁日期不能早于今天")
    reason = checked_text(reason, "reason", "销毁说明", limit=255)
    pairs = _parse_items(items)
    packages = {
        p.pk: p
        for p in ArchivePackage.objects.select_for_update(of=("self",)).filter(
            institution=institution, pk__in={pk for pk, _ in pairs}
        )
    }
    missing = sorted({pk for pk, _ in pairs} - set(packages))
    if missing:
        raise fail("items", f"归档包 {missing[0]} 不存在或不属于本机构")
    chosen = [(packages[pk], kind) for pk, kind in pairs]
    problems = _item_refusals(chosen, day)
    if problems:
        raise ValidationFailed(problems[0], detail={"items": problems})
    taken = DestructionItem.objects.filter(package_id__in=packages, kind__in={k for _, k in pairs}).exclude(
        plan__status=DestructionPlan.Status.DONE
    )
    busy = {(i.package_id, i.kind) for i in taken} & set(pairs)
    if busy:
        pk, kind = sorted(busy)[0]
        raise Conflict(
            f"归档包 {packages[pk].batch_code} 的「{domain.KINDS[kind].label}」已在另一份销毁计划中"
        )
    plan = DestructionPlan(institution=institution, planned_on=planned, reason=reason, created_by=actor)
    plan.full_clean()
    plan.save()
    DestructionItem.objects.bulk_create([DestructionItem(plan=plan, package=p, kind=k) for p, k in chosen])
    audit.record(
        actor=actor,
        action="archives.destruction_plan.create",
        obj=plan,
        after={
            "planned_on": planned.isoformat(),
            "reason": reason,
            "items": [{"package": p.pk, "batch": p.batch_code, "kind": k} for p, k in chosen],
        },
    )
    return plan


def _parse_items(items: Any) -> list[tuple[int, str]]:
    if not isinstance(items, list | tuple) or not items:
        raise fail("items", "请选择要销毁的档案")
    if len(items) > 1000:
        raise fail("items", "一份销毁计划最多 1000 项")
    pairs: list[tuple[int, str]] = []
    for item in items:
        try:
            if isinstance(item, dict):
                pk, kind = int(item["package"]), str(item["kind"])
            else:
                pk, kind = int(item[0]), str(item[1])
        except (KeyError, IndexError, TypeError, ValueError):
            raise fail("items", "销毁条目格式不正确,应为归档包编号与档案类别") from None
        if kind not in domain.KINDS:
            raise fail("items", f"档案类别「{kind[:32]}」不存在")
        if (pk, kind) not in pairs:
            pairs.append((pk, kind))
    return pairs


@transaction.atomic
def destruction_plan_approve(*, actor: Any, plan: DestructionPlan, row_version: Any) -> DestructionPlan:
    """Approve a destruction plan (the institution's admin); its items must still be past retention."""
    plan = lock_version(plan, row_version)
    require(may_destroy(actor, plan.institution_id), "只有本机构的管理员可以审批档案销毁计划")
    if plan.status != DestructionPlan.Status.DRAFT:
        raise IllegalTransition("该销毁计划已审批")
    items = [(i.package, i.kind) for i in plan.items.select_related("package")]
    problems = _item_refusals(items, timezone.localdate())
    if problems:
        raise IllegalTransition(problems[0])
    plan.status = DestructionPlan.Status.APPROVED
    plan.approved_by, plan.approved_at = actor, timezone.now()
    save_fields(plan, ["status", "approved_by", "approved_at"])
    audit.record(
        actor=actor, action="archives.destruction_plan.approve", obj=plan, after={"status": plan.status}
    )
    return plan


def _prune(package: ArchivePackage, kinds: list[str], receipt: DestructionReceipt, actor: Any) -> None:
    """Remove `kinds`' files from the package and re-seal what remains; the new manifest lists what was
    destroyed (paths, their digests, the receipt) and names the previous manifest's digest."""
    check = package_verify(package)
    if not check.valid:
        raise Conflict(f"归档包 {package.batch_code} 校验未通过,不能销毁,请先核查")
    with zipfile.ZipFile(io.BytesIO(package_bytes(package))) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    manifest = check.verdict.manifest or {}
    algorithm = manifest["algorithm"]
    by_kind = {k["kind"]: k for k in manifest["kinds"]}
    digests = {f["path"]: f[algorithm] for f in manifest["files"]}
    gone = {path for kind in kinds for path in by_kind[kind]["paths"]}
    destroyed = list(manifest["package"].get("destroyed", []))
    destroyed.append(
        {
            "kinds": kinds,
            "files": [{"path": p, algorithm: digests[p]} for p in sorted(gone)],
            "destroyed_on": receipt.destroyed_on.isoformat(),
            "destruction_plan": receipt.plan_id,
            "previous_manifest": check.verdict.manifest_sm3,
        }
    )
    files = {p: c for p, c in entries.items() if p != domain.MANIFEST and p not in gone}
    remaining = {k: v["paths"] for k, v in by_kind.items() if k not in kinds}
    facts = {**manifest["package"], "destroyed": destroyed}
    new_manifest = domain.build_manifest(files, kinds=remaining, package=facts, algorithm=algorithm)
    data = _zip({**files, domain.MANIFEST: new_manifest}, timezone.now())
    verdict = verify_zip(data)
    old_name, old_digest = package.file, package.manifest_digest
    package.file, package.sha256 = _store(data)
    package.size = len(data)
    package.manifest, package.manifest_digest = verdict.manifest, verdict.manifest_sm3
    package.destroyed = [*package.destroyed, *kinds]
    package.save(update_fields=["file", "sha256", "size", "manifest", "manifest_digest", "destroyed"])
    if old_name != package.file and not ArchivePackage.objects.filter(file=old_name).exists():
        transaction.on_commit(lambda: default_storage.delete(old_name))
    audit.record(
        actor=actor,
        action="archives.package.prune",
        obj=package,
        before={"manifest_sm3": old_digest},
        after={"kinds": kinds, "manifest_sm3": verdict.manifest_sm3, "destruction_plan": receipt.plan_id},
    )


@transaction.atomic
def destruction_receipt_record(
    *,
    actor: Any,
    plan: DestructionPlan,
    destroyed_on: Any,
    destroyed_by_name: Any,
    method: Any,
    witness: Any,
    scan: Any = None,
    row_version: Any,
) -> DestructionReceipt:
    """FORM-B B8.4: the receipt of an approved plan (who destroyed, when, how, the witness, a scan
    optionally); the destroyed kinds leave their packages."""
    plan = lock_version(plan, row_version)
    require(may_destroy(actor, plan.institution_id), "只有本机构的管理员可以登记销毁回单")
    if plan.status == DestructionPlan.Status.DRAFT:
        raise IllegalTransition("销毁计划尚未审批,不能登记销毁回单")
    if plan.status == DestructionPlan.Status.DONE:
        raise IllegalTransition("该销毁计划已登记销毁回单")
    day = parse_date(destroyed_on, "destroyed_on", "销毁日期")
    if day > timezone.localdate():
        raise fail("destroyed_on", "销毁日期不能晚于今天")
    if day < plan.planned_on:
        raise fail("destroyed_on", "销毁日期不能早于计划销毁日期")
    receipt = DestructionReceipt(
        plan=plan,
        destroyed_on=day,
        destroyed_by_name=checked_text(destroyed_by_name, "destroyed_by_name", "销毁人", limit=64),
        method=checked_text(method, "method", "销毁方式", limit=128),
        witness=checked_text(witness, "witness", "监销人", limit=64),
        recorded_by=actor,
    )
    items = list(plan.items.select_related("package"))
    problems = _item_refusals([(i.package, i.kind) for i in items], day)
    if problems:
        raise IllegalTransition(problems[0])
    if scan is not None:
        stored = store_upload(scan, kinds=PAPER_KINDS)
        receipt.scan_file, receipt.scan_name = stored.name, stored.original_name
        receipt.scan_content_type, receipt.scan_sha256 = stored.content_type, stored.sha256
    receipt.full_clean()
    receipt.save()
    by_package: dict[int, list[str]] = {}
    for item in items:
        by_package.setdefault(item.package_id, []).append(item.kind)
    for package_id, kinds in sorted(by_package.items()):
        _prune(lock(ArchivePackage, package_id), sorted(kinds), receipt, actor)
    plan.status = DestructionPlan.Status.DONE
    save_fields(plan, ["status"])
    audit.record(
        actor=actor,
        action="archives.destruction_receipt.record",
        obj=receipt,
        after={
            "plan": plan.pk,
            "destroyed_on": day.isoformat(),
            "destroyed_by_name": receipt.destroyed_by_name,
            "method": receipt.method,
            "witness": receipt.witness,
            "scan_sha256": receipt.scan_sha256,
        },
    )
    return receipt


@transaction.atomic
def record_download(*, actor: Any, package: ArchivePackage) -> None:
    """Downloading a package (personal data, masked) is audited like a list export."""
    audit.record(
        actor=actor,
        action="archives.package.download",
        obj=package,
        after={"batch": package.batch_code, "manifest_sm3": package.manifest_digest},
    )
