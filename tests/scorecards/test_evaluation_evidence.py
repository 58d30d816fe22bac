"""Evidence of an evaluation through the services (the stored-file checks: tests/common/test_files.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.common.errors import IllegalTransition, PermissionDenied
from dudao.scorecards import services
from dudao.scorecards.models import Evidence
from tests.factories import current_version
from tests.scorecards.conftest import JPEG, PDF, PNG, counts

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_attach_and_remove_evidence_through_services(opened, evaluators, media_root, users):
    leader, member = evaluators["leader"], evaluators["member"]
    evidence = services.evaluation_attach_evidence(
        actor=member, evaluation=opened, item_id="B4.5", file=upload("考场.jpg", JPEG)
    )
    assert (evidence.item_id, evidence.kind, evidence.uploaded_by, evidence.size) == (
        "B4.5",
        "photo",
        member,
        len(JPEG),
    )
    general = services.evaluation_attach_evidence(
        actor=leader, evaluation=opened, item_id="", file=upload("报告.pdf", PDF)
    )
    assert general.item_id == ""
    before = counts()
    for item_id, file, error in [
        ("Z1", upload("x.png", PNG), "项目 Z1:评估表 CQ-RENEWAL 中没有此项目"),
        (
            "B4.5",
            upload("fake.jpg", b"hello"),
            "文件「fake.jpg」的内容与扩展名不符:扩展名为 .jpg(JPEG 图片),实际是文本(CSV)",
        ),
        ("B4.5", None, "请选择要上传的文件"),
    ]:
        with pytest.raises(Exception) as exc:
            services.evaluation_attach_evidence(actor=member, evaluation=opened, item_id=item_id, file=file)
        assert (exc.value.status, exc.value.message) == (422, error)
    assert counts() == before
    # The uploader or the leader removes a file; another member may not.
    with pytest.raises(PermissionDenied):
        services.evaluation_remove_evidence(actor=member, evidence=general)
    services.evaluation_remove_evidence(actor=leader, evidence=evidence)
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["报告.pdf"]
    assert (media_root / evidence.file).exists()  # content store keeps bytes (other records may share them)


def test_evidence_frozen_after_submission(opened, evaluators, media_root):
    from tests.scorecards.conftest import fill
    from tests.scorecards.helpers import clean_answers

    leader = evaluators["leader"]
    evidence = services.evaluation_attach_evidence(
        actor=leader, evaluation=opened, item_id="A1.1", file=upload("a.png", PNG)
    )
    ev = services.evaluation_submit(
        actor=leader,
        evaluation=(filled := fill(opened, leader, clean_answers("CQ-RENEWAL"))),
        row_version=current_version(filled),
    )
    before = counts()
    with pytest.raises(IllegalTransition):
        services.evaluation_attach_evidence(
            actor=leader, evaluation=ev, item_id="A1.1", file=upload("b.png", PNG)
        )
    with pytest.raises(IllegalTransition):
        services.evaluation_remove_evidence(actor=leader, evidence=evidence)
    assert counts() == before
