"""Issue 4 journey: a special supervision end to end in the browser — the draw through the wizard pages, the
public page and its 验证, three supervisors accept, the leader files findings with a photo from a phone,
the report, the preliminary opinion, the institution's defence, the Opinion and its PDF, rectification,
re-verification (复核), closed — and a daily covert (暗访) task hidden from the institution until its report.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import subprocess
import zlib

import pytest

from dudao.accounts.models import Role
from dudao.common.domain import digest
from dudao.supervision.models import Draw, FindingEvidence, Opinion, SupervisionTask
from tests import factories as f
from tests.e2e.conftest import login, shot
from tests.supervision.app_support import TODAY, make_batch, make_supervisor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _png(width: int = 32, height: int = 24) -> bytes:
    """A small real PNG (an orange gradient), made without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    raw = b"".join(
        b"\x00" + b"".join(bytes((250, (120 + 4 * x) % 256, (40 + 8 * y) % 256)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def world():
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(
        region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心", card_issuer_code="36"
    )
    institution = f.InstitutionFactory(authority=authority, region=province, name="南昌市高级技工学校")
    welder = f.OccupationFactory(code="6-18-02-04", name="焊工", verified=True)
    filing = f.FilingFactory(institution=institution, number="JX-BA-0001")
    f.FilingScopeFactory(filing=filing, occupation=welder, levels=[5, 4, 3])
    venue = f.VenueFactory(institution=institution, name="一号考场")
    special = make_batch(institution, filing, welder, venue, "PC-2025-001", TODAY + dt.timedelta(days=7))
    # Outside the draw's period: the draw has one target (its result does not depend on the seed's luck).
    daily = make_batch(institution, filing, welder, venue, "PC-2025-002", TODAY + dt.timedelta(days=40))
    supervisors = [
        make_supervisor(authority, name, n)
        for n, name in enumerate(["王督导", "李督导", "张督导", "赵督导"], 1)
    ]
    f.UserFactory(username="staff1", role=Role.AUTHORITY_STAFF, authority=authority, display_name="刘科员")
    f.UserFactory(
        username="inst1", role=Role.INSTITUTION_ADMIN, institution=institution, display_name="陈校长"
    )
    return {"institution": institution, "special": special, "daily": daily, "supervisors": supervisors}


def _as(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)


def test_special_supervision_and_a_covert_daily_task(page, phone_page, world, tmp_path):
    for p in (page, phone_page):
        p.on("dialog", lambda dialog: dialog.accept())
    institution = world["institution"]

    # 1. The authority draws through the wizard: define → review → publish → run → lock.
    _as(page, "staff1")
    page.goto("/supervision/draws/new/")
    page.fill("input[name=title]", "专项督导抽取(资格审查与考场秩序)")
    page.fill("input[name=period_start]", (TODAY + dt.timedelta(days=1)).isoformat())
    page.fill("input[name=period_end]", (TODAY + dt.timedelta(days=30)).isoformat())
    page.select_option("select[name=institutions]", str(institution.pk))
    page.fill("input[name=sample_count]", "1")
    page.check("input[name=task_kind][value=special]")
    page.check("input[name=items][value='2.3']")
    page.check("input[name=items][value='2.4']")
    page.fill("input[name=group_size]", "3")
    page.fill("input[name=max_tasks]", "1")
    page.click("#draw-save")
    page.wait_for_url(re.compile(r"/supervision/draws/\d+/$"))
    assert page.locator("#preview-targets").inner_text() == "1"
    assert page.locator("#preview-supervisors").inner_text() == "4"
    shot(page, "supervision-draw-review")
    # Two witnesses hand over the commitments of their secret values before publication (issue 8 §7).
    draw = Draw.objects.get()
    values = {"纪检甲": "jijian-0123456789abcdef", "公证乙": "gongzheng-0123456789abcdef"}
    for (name, value), role in zip(values.items(), ("discipline", "notary"), strict=True):
        page.fill("#witness-add input[name=name]", name)
        page.select_option("#witness-add select[name=role]", role)
        page.fill("#witness-add input[name=commitment]", digest(value, draw.hash_algorithm))
        page.click("#witness-add-submit")
        page.locator("#witness-table").get_by_text(name).wait_for()
    page.click("#draw-publish")
    page.locator("#seed-commitment").wait_for()
    assert page.locator("#draw-run").is_disabled()
    # At the draw meeting each witness's value is entered; the run waits for all of them.
    for value in values.values():
        form = page.locator("form.witness-reveal").first
        form.locator("input[name=value]").fill(value)
        form.get_by_role("button", name="录入随机值").click()
        page.locator("code.witness-value", has_text=value).wait_for()
    page.click("#draw-run")
    page.locator("#draw-lock").wait_for()
    page.click("#draw-lock")
    page.locator("#draw-tasks").wait_for()
    draw = Draw.objects.get()
    assert draw.status == "locked"
    assert page.locator("#seed").inner_text() == draw.seed
    assert page.locator("#final-seed").inner_text() == digest(
        "|".join([draw.seed, *values.values()]), draw.hash_algorithm
    )
    shot(page, "supervision-draw-locked")

    # 2. Anyone sees the publication and the server-side verification passes.
    page.context.clear_cookies()
    page.goto(f"/supervision/public/draws/{draw.pk}/")
    assert page.locator("#scenario-digest").inner_text() == draw.scenario_digest
    assert page.locator("#seed-commitment").inner_text() == draw.seed_commitment
    assert page.locator("#final-seed").inner_text() == draw.final_seed
    assert page.locator("#public-witnesses code.witness-value").all_inner_texts() == list(values.values())
    assert "PC-2025-001" in page.locator("#public-result").inner_text()
    page.click("#verify-button")
    page.locator("#verify-ok").wait_for()
    assert "校验通过" in page.locator("#verify-ok").inner_text()
    shot(page, "supervision-public-verified")

    # 3. Three supervisors accept (two on a desktop, the leader on a phone).
    task = SupervisionTask.objects.get(draw=draw)
    assert (task.batch.code, task.kind) == ("PC-2025-001", "special")
    members = list(task.members.select_related("supervisor__person").order_by("role", "id"))
    leader = next(m for m in members if m.role == "leader")
    usernames = {s.pk: s.user.username for s in world["supervisors"]}
    for member in [m for m in members if m.role != "leader"]:
        _as(page, usernames[member.supervisor_id])
        page.goto("/supervision/my/tasks/")
        page.get_by_role("button", name="接受").click()
        page.wait_for_url("**/supervision/my/tasks/")
    _as(phone_page, usernames[leader.supervisor_id])
    phone_page.goto("/supervision/my/tasks/")
    phone_page.get_by_role("button", name="接受").click()
    phone_page.get_by_role("link", name="现场督导").click()
    phone_page.click("#start-onsite")
    phone_page.wait_for_url(f"**/supervision/tasks/{task.pk}/onsite/")
    task.refresh_from_db()
    assert task.status == "on_site"

    # 4. Findings from the phone, one per area, saved as they are recorded; a photo from the camera input.
    area = phone_page.locator("#area-2_4")
    area.locator("label", has_text="较重问题").click()
    area.locator("textarea[name=description]").fill("第二考场未开启视频监控")
    area.get_by_role("button", name="记录").click()
    phone_page.locator("#area-2_4 .dudao-finding").wait_for()
    phone_page.set_input_files(
        "#area-2_4 .dudao-finding input.dudao-camera",
        files=[{"name": "考场.png", "mimeType": "image/png", "buffer": _png()}],
    )
    phone_page.locator("#area-2_4 .dudao-evidence-file img").wait_for()
    phone_page.locator("#area-2_3").get_by_role("button", name="记录").click()
    phone_page.locator("#area-2_3 .dudao-finding").wait_for()
    assert phone_page.locator("#progress-text").inner_text() == "已检查 2 / 2 项"
    evidence = FindingEvidence.objects.get()
    assert (evidence.original_name, evidence.content_type) == ("考场.png", "image/png")
    shot(phone_page, "supervision-onsite-phone")
    phone_page.click("#to-report")
    phone_page.fill("textarea[name=summary]", "专项督导组对资格审查和考场秩序进行了现场检查。")
    phone_page.check("input[name=confirm]")
    phone_page.click("#step-submit")
    phone_page.wait_for_url(f"**/supervision/tasks/{task.pk}/")
    task.refresh_from_db()
    assert task.status == "report_submitted"

    # 5. The leader's preliminary opinion, sent to the institution.
    phone_page.get_by_role("link", name="形成初步督导意见").click()
    phone_page.fill("textarea[name=body]", "第二考场未开启视频监控,考场管理存在漏洞。")
    phone_page.fill("textarea[name=requirements]", "完善考场视频监控")
    phone_page.click("#step-submit")
    phone_page.get_by_role("button", name="将初步意见反馈机构").click()
    phone_page.locator(".alert-success").wait_for()
    task.refresh_from_db()
    assert task.status == "sent_to_institution"

    # 6. The institution's defence within the working-day window.
    _as(page, "inst1")
    page.goto(f"/supervision/tasks/{task.pk}/")
    assert "剩余 5 个工作日" in page.locator("#preliminary").inner_text()
    page.get_by_role("link", name="提交申辩意见").click()
    page.fill("textarea[name=text]", "监控设备当日故障,已报修,附维修记录。")
    page.check("input[name=confirm]")
    page.click("#step-submit")
    page.wait_for_url(f"**/supervision/tasks/{task.pk}/")

    # 7. The authority issues the Opinion; its PDF carries the number.
    _as(page, "staff1")
    page.goto(f"/supervision/tasks/{task.pk}/")
    page.get_by_role("link", name="下达督导意见书").click()
    page.fill("textarea[name=body]", "经审议机构申辩意见,认定考场视频监控管理不到位。")
    page.check("input[name=confirm]")
    page.click("#step-submit")
    page.wait_for_url(f"**/supervision/tasks/{task.pk}/")
    final = Opinion.objects.get(task=task, kind="final")
    assert final.number in page.locator("#opinion").inner_text()
    pdf_url = page.locator("#opinion-pdf").get_attribute("href")
    response = page.request.get(pdf_url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "opinion.pdf"
    pdf.write_bytes(response.body())
    pdf_text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    squeezed = re.sub(r"\s+", "", pdf_text)  # pdftotext spaces out mixed Latin/CJK runs
    assert final.number in squeezed
    assert f"{institution.name}\uff1a" in squeezed  # the addressee line: 南昌市高级技工学校：
    assert "督导意见书" in squeezed
    shot(page, "supervision-opinion-issued")

    # 8. Rectification with evidence by its deadline; 9. 复核; closed.
    _as(page, "inst1")
    page.goto(f"/supervision/tasks/{task.pk}/rectification/")
    page.set_input_files(
        "#rect-file", files=[{"name": "监控恢复.png", "mimeType": "image/png", "buffer": _png(40, 30)}]
    )
    page.locator("#rect-evidence .dudao-evidence-file").wait_for()
    page.fill("textarea[name=plan]", "已更换监控主机,全部考场监控恢复并接入中心。")
    page.check("input[name=confirm]")
    page.click("#step-submit")
    page.wait_for_url(f"**/supervision/tasks/{task.pk}/")
    _as(page, "staff1")
    page.goto(f"/supervision/tasks/{task.pk}/rectification/review/")
    page.check("input[name=passed][value='1']")
    page.fill("textarea[name=note]", "现场复核,监控运行正常。")
    page.click("#step-submit")
    page.wait_for_url(f"**/supervision/tasks/{task.pk}/")
    page.get_by_role("link", name="办结").click()
    page.click("#step-submit")
    page.wait_for_url(f"**/supervision/tasks/{task.pk}/")
    task.refresh_from_db()
    assert task.status == "closed"
    assert "已办结" in page.locator(".page-title").inner_text()
    shot(page, "supervision-task-closed")

    # 10. A daily covert task: hidden from the institution until its report.
    daily = world["daily"]
    covert_supervisor = next(
        s for s in world["supervisors"] if s.pk not in {m.supervisor_id for m in members}
    )
    page.goto(f"/supervision/tasks/new/?batch={daily.pk}")
    page.select_option("select[name=supervisors]", str(covert_supervisor.pk))
    page.check("input[name=covert]")
    page.click("#task-create-submit")
    page.wait_for_url(re.compile(r"/supervision/tasks/\d+/$"))
    covert = SupervisionTask.objects.get(covert=True)
    _as(page, "inst1")
    page.goto("/supervision/tasks/")
    assert covert.number not in page.locator("body").inner_text()
    assert page.goto(f"/supervision/tasks/{covert.pk}/").status == 404
    _as(phone_page, usernames[covert_supervisor.pk])
    phone_page.goto("/supervision/my/tasks/")
    phone_page.get_by_role("button", name="接受").click()
    phone_page.goto(f"/supervision/tasks/{covert.pk}/onsite/")
    phone_page.click("#start-onsite")
    phone_page.locator("#area-2_4").get_by_role("button", name="记录").click()
    phone_page.locator("#area-2_4 .dudao-finding").wait_for()
    phone_page.click("#to-report")
    phone_page.fill("textarea[name=summary]", "暗访:考场秩序良好。")
    phone_page.check("input[name=confirm]")
    phone_page.click("#step-submit")
    phone_page.wait_for_url(f"**/supervision/tasks/{covert.pk}/")
    page.goto("/supervision/tasks/")
    assert covert.number in page.locator("#task-table").inner_text()
    assert page.goto(f"/supervision/tasks/{covert.pk}/").status == 200
