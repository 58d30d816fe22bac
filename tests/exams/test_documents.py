"""The exam papers (issue 10 items 4, 6, 8): 准考证 with its signed QR code, 考场座位表暨考生签到表 and
考场记录 as DOCX (and PDF from the same DOCX); masked ID numbers only (SEC-3); the committed templates
match their build script."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import re
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from docx.oxml.ns import qn

from dudao.common.errors import IllegalTransition
from dudao.common.files import store_upload
from dudao.documents.render import PACKAGE_DIR, soffice_available, template_variables
from dudao.exams import build_templates, documents, tickets
from dudao.exams.models import (
    CheckIn,
    ExamPlan,
    ExamRoom,
    ExamSession,
    Registration,
    RegistrationFile,
    RoomNote,
    RoomStaff,
    Seat,
    SeatSwap,
    VenueCheck,
    Violation,
)
from dudao.registry.models import Batch
from tests import factories as f

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
PLAN_TITLE = "2026年第四批中式烹调师职业技能等级认定公告"
VENUE = "南昌烹饪实训基地（南昌市红谷滩区学府大道1号）"
THEORY_TIME = "2026年12月20日 09:00—10:30"
PRACTICAL_TIME = "2026年12月20日 14:00—16:00"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SH)


def png_bytes(width: int, height: int, shade: int = 120) -> bytes:
    """A valid one-colour RGB PNG of the given size (a candidate's photo)."""
    raw = b"".join(b"\x00" + bytes([shade, 140, 160]) * width for _ in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------------------------------------------
# rows


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


class World:
    """One batch of 中式烹调师 level 4: a theory and a practical session, candidates seated in 第1考场."""


@pytest.fixture
def world(institution):
    w = World()
    w.recorder = f.UserFactory(username="jiankao1", display_name="李监考")
    occupation = f.OccupationFactory(code="4-03-02-01", name="中式烹调师")
    venue = f.VenueFactory(
        institution=institution, name="南昌烹饪实训基地", address="南昌市红谷滩区学府大道1号"
    )
    batch = Batch.objects.create(
        code="PC-2026-0042",
        institution=institution,
        filing=f.FilingFactory(institution=institution),
        occupation=occupation,
        work_type="中式烹调",
        levels=[4],
        starts_at=at(20, 8),
        ends_at=at(20, 18),
        venue=venue,
    )
    w.plan = ExamPlan.objects.create(
        batch=batch,
        title=PLAN_TITLE,
        status=ExamPlan.Status.PUBLISHED,
        registration_opens_on=dt.date(2026, 11, 1),
        registration_closes_on=dt.date(2026, 11, 30),
        withdraw_deadline=dt.date(2026, 11, 25),
        fees={"4": "300.00"},
        fee_basis="赣发改收费〔2020〕1号",
        eligibility_summary="见公告",
        contact_name="周老师",
        contact_phone="0791-88880000",
    )
    w.theory = ExamSession.objects.create(
        plan=w.plan, subject=ExamSession.Subject.THEORY, level=4, starts_at=at(20, 9), ends_at=at(20, 10, 30)
    )
    w.practical = ExamSession.objects.create(
        plan=w.plan, subject=ExamSession.Subject.PRACTICAL, level=4, starts_at=at(20, 14), ends_at=at(20, 16)
    )
    w.room = ExamRoom.objects.create(session=w.theory, name="第1考场", capacity=30)
    w.other_room = ExamRoom.objects.create(session=w.theory, name="第10考场", capacity=30)
    w.ids = {}
    w.regs = {}
    # Seats are created out of order: the seat list must sort them.
    for n, (name, seat) in enumerate((("张三", 3), ("李四", 1), ("王五", 2), ("赵六", 4)), start=1):
        id_number = f.make_resident_id(n, birth="19880512")
        person = f.PersonFactory(name=name, id_number=id_number)
        reg = Registration.objects.create(
            number=f"BM2026{n:04d}",
            plan=w.plan,
            person=person,
            level=4,
            status=Registration.Status.APPROVED,
            ticket_number=f"ZK20264{n:05d}",
        )
        Seat.objects.create(room=w.room, session=w.theory, registration=reg, number=seat)
        w.ids[name], w.regs[name] = id_number, reg
    return w


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:  # merged cells repeat: keep each once
                if not cells or cell.text != cells[-1]:
                    cells.append(cell.text)
            parts.append(" | ".join(cells))
    return "\n".join(parts)


def _xml(data: bytes) -> str:
    """Every XML part of a .docx (body, headers, properties): where a full ID number must not appear."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.endswith((".xml", ".rels")))


def _media(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return sorted(n for n in z.namelist() if n.startswith("word/media/"))


def settings_media(name: str) -> str:
    from django.core.files.storage import default_storage

    return default_storage.path(name)


def _store_photo(reg: Registration, data: bytes, name: str = "photo.png") -> RegistrationFile:
    stored = store_upload(SimpleUploadedFile(name, data), kinds={"photo"})
    return RegistrationFile.objects.create(registration=reg, material=RegistrationFile.Material.PHOTO,
                                           **stored.fields())  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# QR payload


def test_qr_payload_is_the_ticket_number_signed_with_the_secret_key(settings):
    settings.SECRET_KEY = "k" * 50
    sig = hmac.new(b"k" * 50, b"ZK2026400001", hashlib.sha256).hexdigest()[:16]
    payload = tickets.ticket_qr_payload("ZK2026400001")
    assert payload == f"DUDAO-TICKET:ZK2026400001:{sig}"
    assert tickets.parse_ticket_qr(payload) == "ZK2026400001"
    assert tickets.parse_ticket_qr(payload + "\r\n") == "ZK2026400001"  # a scanner's line end
    settings.SECRET_KEY = "j" * 50
    assert tickets.parse_ticket_qr(payload) is None  # another installation's ticket


def test_qr_payload_with_one_changed_character_is_refused():
    payload = tickets.ticket_qr_payload("ZK2026400001")
    assert tickets.parse_ticket_qr(payload) == "ZK2026400001"
    for i, char in enumerate(payload):
        for other in {"0", "a", "Z", ":"} - {char}:
            tampered = payload[:i] + other + payload[i + 1 :]
            assert tickets.parse_ticket_qr(tampered) is None, tampered


def test_qr_payload_shape_is_checked():
    payload = tickets.ticket_qr_payload("ZK2026400001")
    sig = payload.rsplit(":", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{16}", sig)
    for text in (
        payload[:-1],  # 15 hex digits
        payload + "0",  # 17 hex digits
        payload.upper(),
        payload.replace("DUDAO-TICKET:", "DUDAO-TICKET"),
        f"DUDAO-TICKET::{sig}",  # no ticket number
        "ZK2026400001",
        "",
        None,
        42,
    ):
        assert tickets.parse_ticket_qr(text) is None, text
    # A ticket number with a colon still round-trips (the signature is after the last one).
    assert tickets.parse_ticket_qr(tickets.ticket_qr_payload("A:1")) == "A:1"
    with pytest.raises(ValueError):
        tickets.ticket_qr_payload("")


def test_qr_png_and_svg():
    assert documents.ticket_qr_png("ZK2026400001").startswith(b"\x89PNG\r\n\x1a\n")
    assert documents.ticket_qr_svg("ZK2026400001").startswith("<svg")


# ---------------------------------------------------------------------------------------------------
# 准考证


def test_ticket_docx_text(world):
    reg = world.regs["张三"]
    data = documents.ticket_docx(reg)
    text = _docx_text(data)
    lines = text.splitlines()
    assert lines[:2] == [PLAN_TITLE, "准　考　证"]
    for expected in (
        "准考证号 | ZK2026400001 | （贴照片处）",
        "姓\u3000\u3000名 | 张三 | （贴照片处）",
        f"身份证号 | {reg.person.id_number_masked} | （贴照片处）",
        "报 名 号 | BM20260001 | （贴照片处）",
        "职业（工种） | 中式烹调师（中式烹调） | ",  # the QR code's cell: the image, then its caption
        "签到二维码",
        "申报等级 | 四级/中级工 | ",
        f"评价机构 | {world.plan.batch.institution.name} | ",
        "科目 | 考试时间 | 考场 | 座位号 | 考试地点",
        f"理论知识考试 | {THEORY_TIME} | 第1考场 | 03 | {VENUE}",
        f"操作技能考核 | {PRACTICAL_TIME} | 待安排 | — | {VENUE}",  # no seat in that session yet
        "1．考生须凭本准考证和本人有效居民身份证参加考试，二者缺一不可。",
        "2．请于每场考试开始前30分钟到达考场，核验身份后按座位号就座。",
        "3．开考15分钟后迟到的考生不得进入考场。",
    ):
        assert expected in lines, expected
    assert reg.person.id_number_masked == "360102********" + world.ids["张三"][-4:]
    assert world.ids["张三"] not in _xml(data)  # SEC-3: never the full number
    assert world.ids["张三"][6:14] not in text  # not even the birth date part
    assert "{{" not in text and "{%" not in text
    assert _media(data) == ["word/media/image1.png"]  # the QR code; no photo uploaded


def test_ticket_embeds_the_newest_printable_photo(world):
    reg = world.regs["张三"]
    _store_photo(reg, png_bytes(50, 70), "old.png")
    newest = _store_photo(reg, png_bytes(50, 80), "new.png")
    data = documents.ticket_docx(reg)
    assert "（贴照片处）" not in _docx_text(data)
    media = _media(data)
    assert len(media) == 2
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        photos = [z.read(n) for n in media if z.read(n) == png_bytes(50, 80)]
    assert len(photos) == 1, newest
    # The photo fits the 25 × 35 mm box: 50 × 80 px is narrower than 25:35, so it is 35 mm high.
    doc = Document(io.BytesIO(data))
    extents = sorted((int(e.get("cx")), int(e.get("cy"))) for e in doc.element.body.iter(qn("wp:extent")))
    assert extents == [(round(35 * 36000 * 50 / 80), 35 * 36000), (30 * 36000, 30 * 36000)]


def test_ticket_photo_a_little_wider_than_the_box_is_25_mm_wide(world):
    reg = world.regs["张三"]
    _store_photo(reg, png_bytes(60, 80))  # 0.75 > 25:35
    doc = Document(io.BytesIO(documents.ticket_docx(reg)))
    extents = sorted((int(e.get("cx")), int(e.get("cy"))) for e in doc.element.body.iter(qn("wp:extent")))
    assert extents == [(25 * 36000, round(25 * 36000 * 80 / 60)), (30 * 36000, 30 * 36000)]


def test_ticket_photo_wider_than_the_box_is_25_mm_wide(world):
    reg = world.regs["张三"]
    _store_photo(reg, png_bytes(100, 100))
    doc = Document(io.BytesIO(documents.ticket_docx(reg)))
    extents = sorted((int(e.get("cx")), int(e.get("cy"))) for e in doc.element.body.iter(qn("wp:extent")))
    assert extents == [(25 * 36000, 25 * 36000), (30 * 36000, 30 * 36000)]


def test_ticket_with_a_damaged_photo_shows_where_to_paste_one(world):
    reg = world.regs["张三"]
    photo = _store_photo(reg, png_bytes(60, 80))
    Path(settings_media(photo.file)).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")  # truncated on disk
    data = documents.ticket_docx(reg)
    assert "（贴照片处）" in _docx_text(data)
    assert len(_media(data)) == 1


def test_ticket_without_a_printable_photo_shows_where_to_paste_one(world, settings):
    reg = world.regs["张三"]
    photo = _store_photo(reg, png_bytes(60, 80))
    RegistrationFile.objects.filter(pk=photo.pk).update(content_type="image/webp")  # .docx cannot embed it
    data = documents.ticket_docx(reg)
    assert "（贴照片处）" in _docx_text(data)
    assert len(_media(data)) == 1


def test_tickets_one_page_each_in_the_given_order(world):
    order = [world.regs["王五"], world.regs["张三"], world.regs["李四"]]
    data = documents.tickets_docx(order)
    text = _docx_text(data)
    assert [m for m in re.findall(r"ZK20264\d{5}", text)] == ["ZK2026400003", "ZK2026400001", "ZK2026400002"]
    doc = Document(io.BytesIO(data))
    breaks = [
        p.text
        for p in doc.paragraphs
        if p._p.pPr is not None and p._p.pPr.find(qn("w:pageBreakBefore")) is not None
    ]
    assert breaks == [PLAN_TITLE] * 3
    assert len(_media(data)) == 3  # one QR code each
    for name in ("王五", "张三", "李四"):
        assert world.ids[name] not in _xml(data)


def test_tickets_queries_do_not_grow_with_the_candidates(world):
    regs = list(world.regs.values())
    with CaptureQueriesContext(connection) as one:
        documents.tickets_docx(regs[:1])
    with CaptureQueriesContext(connection) as four:
        documents.tickets_docx(regs)
    assert len(four) == len(one)


def test_no_ticket_without_a_ticket_number(world):
    reg = world.regs["张三"]
    Registration.objects.filter(pk=reg.pk).update(ticket_number=None)
    with pytest.raises(IllegalTransition, match="BM20260001"):
        documents.ticket_docx(reg)
    with pytest.raises(IllegalTransition):  # one without a number stops the whole print run
        documents.tickets_docx([world.regs["李四"], reg])
    with pytest.raises(IllegalTransition):
        documents.tickets_docx([])


def test_ticket_instructions_are_configurable(world, settings):
    settings.DUDAO_EXAM_TICKET_INSTRUCTIONS = ["开考20分钟后不得入场。"]
    text = _docx_text(documents.ticket_docx(world.regs["张三"]))
    assert "1．开考20分钟后不得入场。" in text.splitlines()
    assert "15分钟" not in text


# ---------------------------------------------------------------------------------------------------
# 考场座位表暨考生签到表


def test_seat_list_in_seat_order_with_masked_ids(world):
    data = documents.seat_list_docx(world.room)
    lines = _docx_text(data).splitlines()
    assert lines[:2] == [PLAN_TITLE, "考场座位表暨考生签到表"]
    assert "科目 | 理论知识考试 | 考场 | 第1考场" in lines
    assert "应到人数 | 4人 | 座位数 | 30" in lines
    assert "考试时间 | " + THEORY_TIME in lines
    assert "考核场所 | " + VENUE in lines
    head = lines.index("座位号 | 姓名 | 身份证号 | 准考证号 | 考生签名")
    masked = {name: reg.person.id_number_masked for name, reg in world.regs.items()}
    assert lines[head + 1 : head + 5] == [
        f"01 | 李四 | {masked['李四']} | ZK2026400002 | ",
        f"02 | 王五 | {masked['王五']} | ZK2026400003 | ",
        f"03 | 张三 | {masked['张三']} | ZK2026400001 | ",
        f"04 | 赵六 | {masked['赵六']} | ZK2026400004 | ",
    ]
    assert "应到4人，实到______人，缺考______人。" in lines
    assert any(line.startswith("监考人员签名：") for line in lines)
    xml = _xml(data)
    for id_number in world.ids.values():
        assert id_number not in xml


def test_practical_seat_list_is_signed_by_examiners(world):
    room = ExamRoom.objects.create(session=world.practical, name="实操1室", capacity=10, ratio=5)
    text = _docx_text(documents.seat_list_docx(room))
    assert "科目 | 操作技能考核 | 考场 | 实操1室" in text
    assert "应到人数 | 0人 | 座位数 | 10" in text
    assert "考评人员签名：" in text


# ---------------------------------------------------------------------------------------------------
# 考场记录


@pytest.fixture
def recorded(world):
    """The room on exam day: staff (one replaced), check-ins, a swap, violations, venue checks, notes."""
    names = ("王考评", "陈考评", "刘考评")
    staff = [f.ExaminerFactory(person=f.PersonFactory(name=n), senior=(n == "陈考评")) for n in names]
    replaced = RoomStaff.objects.create(room=world.room, examiner=staff[0])
    RoomStaff.objects.create(room=world.room, examiner=staff[1])
    new = RoomStaff.objects.create(room=world.room, examiner=staff[2])
    RoomStaff.objects.filter(pk=replaced.pk).update(replaced_by=new, replace_reason="突发疾病")
    seats = {s.registration.person.name: s for s in world.room.seats.select_related("registration__person")}
    for name, status, minute in (("李四", "present", 40), ("王五", "late", 50), ("张三", "absent", 30)):
        CheckIn.objects.create(seat=seats[name], status=status, at=at(20, 8, minute), by=world.recorder)
    # 赵六 has no check-in row yet.
    common = {"session": world.theory, "registration": world.regs["王五"], "by": world.recorder}
    swap = SeatSwap.objects.create(
        **common, from_label="第1考场 02号", to_label="第1考场 05号", reason="座椅损坏"
    )
    # 孙七 sits in 第10考场 and swapped there: not this room's; 周八 moved out of 第1考场: this room's.
    elsewhere = {}
    for n, name in ((5, "孙七"), (6, "周八")):
        person = f.PersonFactory(name=name, id_number=f.make_resident_id(n, birth="19880512"))
        elsewhere[name] = Registration.objects.create(
            number=f"BM2026{n:04d}", plan=world.plan, person=person, level=4, ticket_number=f"ZK20264{n:05d}"
        )
        Seat.objects.create(
            room=world.other_room, session=world.theory, registration=elsewhere[name], number=n
        )
    other = SeatSwap.objects.create(
        session=world.theory, registration=elsewhere["孙七"], by=world.recorder,
        from_label="第10考场 01号", to_label="第10考场 02号", reason="别的考场",
    )  # fmt: skip
    moved = SeatSwap.objects.create(
        session=world.theory, registration=elsewhere["周八"], by=world.recorder,
        from_label="第1考场 06号", to_label="第10考场 06号", reason="视力原因调至前排",
    )  # fmt: skip
    SeatSwap.objects.filter(pk=moved.pk).update(at=at(20, 9, 7))
    SeatSwap.objects.filter(pk=swap.pk).update(at=at(20, 9, 5))
    SeatSwap.objects.filter(pk=other.pk).update(at=at(20, 9, 6))
    warning = Violation.objects.create(
        room=world.room, registration=world.regs["李四"], measure=Violation.Measure.WARNING,
        facts="交头接耳", recorded_by=world.recorder,
    )  # fmt: skip
    collective = Violation.objects.create(
        room=world.room, collective=True, measure=Violation.Measure.STOP, facts="集体传递纸条",
        approval=Violation.Approval.REFUSED, approval_reason="证据不足", recorded_by=world.recorder,
    )  # fmt: skip
    Violation.objects.filter(pk=warning.pk).update(created_at=at(20, 9, 30))
    Violation.objects.filter(pk=collective.pk).update(created_at=at(20, 9, 45))
    ok = VenueCheck.objects.create(room=world.room, examiner=staff[1], confirmed=True)
    refused = VenueCheck.objects.create(
        room=world.room, examiner=staff[2], confirmed=False, reason="监控未开启"
    )
    VenueCheck.objects.filter(pk=ok.pk).update(at=at(19, 16, 20))  # the day before
    VenueCheck.objects.filter(pk=refused.pk).update(at=at(20, 8, 25))
    note = RoomNote.objects.create(room=world.room, text="09:00 开考", by=world.recorder)
    RoomNote.objects.filter(pk=note.pk).update(at=at(20, 9))
    return world


def test_room_record_docx_text(recorded):
    data = documents.room_record_docx(recorded.room)
    lines = _docx_text(data).splitlines()
    assert lines[:2] == [PLAN_TITLE, "考场记录"]
    assert "应到人数 | 4人 | 座位数 | 30" in lines
    assert "一、监考人员" in lines
    # Staff: the rows not replaced, in order; the replacement is recorded with its reason.
    head = lines.index("序号 | 姓名 | 类别 | 本人签名")
    assert lines[head + 1 : head + 3] == ["1 | 陈考评 | 高级考评员 | ", "2 | 刘考评 | 考评员 | "]
    assert "人员替换：王考评替换为刘考评，原因：突发疾病。" in lines
    assert "应到4人，实到2人（其中按时签到1人、迟到1人），缺考1人，未登记1人。" in lines
    assert "迟到考生：02号王五。" in lines
    assert "缺考考生：03号张三。" in lines
    assert "未登记考生：04号赵六。" in lines
    assert "09:05 | 王五 | 第1考场 02号 | 第1考场 05号 | 座椅损坏 | 李监考" in lines
    assert "09:07 | 周八 | 第1考场 06号 | 第10考场 06号 | 视力原因调至前排 | 李监考" in lines
    assert not any("别的考场" in line for line in lines)  # 第10考场's swap is not this room's
    assert "1 | 09:30 | 李四 | 交头接耳 | 警告 | 无需审批" in lines
    assert "2 | 09:45 | 集体违纪 | 集体传递纸条 | 终止考试 | 认定中心不予批准（证据不足）" in lines
    assert "陈考评 | 确认符合要求 | — | 12月19日 16:20" in lines
    assert "刘考评 | 拒绝开考 | 监控未开启 | 08:25" in lines
    assert "09:00 | 09:00 开考 | 李监考" in lines
    paragraphs = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert paragraphs[-2:] == [
        "监考人员签名：________________________\t日期：______年____月____日",
        "质量督导员签名：________________________\t日期：______年____月____日",
    ]
    xml = _xml(data)
    for id_number in recorded.ids.values():
        assert id_number not in xml


def test_room_record_attendance_without_check_ins(world):
    ctx = documents.room_record_context(world.room)
    assert ctx["attendance"] == {
        "expected": 4, "attended": 0, "present": 0, "late": 0, "absent": 0, "unrecorded": 4,
    }  # fmt: skip
    lines = _docx_text(documents.room_record_docx(world.room)).splitlines()
    assert "应到4人，实到0人（其中按时签到0人、迟到0人），缺考0人，未登记4人。" in lines
    assert not any(line.startswith(("迟到考生", "缺考考生", "人员替换")) for line in lines)
    assert "未登记考生：01号李四、02号王五、03号张三、04号赵六。" in lines
    # Empty sections say so instead of printing an empty table.
    for heading in ("三、换座记录", "四、违纪情况", "五、场地确认", "六、考场情况记录"):
        assert lines[lines.index(heading) + 1] == "无。", heading
    assert lines[lines.index("一、监考人员") + 1] == "未安排。"


def test_room_record_all_checked_in_has_no_unrecorded_clause(world):
    for seat in world.room.seats.all():
        CheckIn.objects.create(seat=seat, status="present", at=at(20, 8, 45), by=world.recorder)
    lines = _docx_text(documents.room_record_docx(world.room)).splitlines()
    assert "应到4人，实到4人（其中按时签到4人、迟到0人），缺考0人。" in lines


def test_seat_swap_room_names_are_not_prefixes():
    assert documents._names_room("第1考场 02号", "第1考场")
    assert documents._names_room("第1考场", "第1考场")
    assert not documents._names_room("第10考场 02号", "第1考场")
    assert not documents._names_room("2号楼第1考场", "第1考场")


# ---------------------------------------------------------------------------------------------------
# templates


def test_committed_templates_match_the_build_script(tmp_path):
    """Run `python -m dudao.exams.build_templates` after changing the script, and commit the result."""
    build_templates.build_all(tmp_path)
    for name in build_templates.NAMES:
        with (
            zipfile.ZipFile(PACKAGE_DIR / f"{name}.docx") as old,
            zipfile.ZipFile(tmp_path / f"{name}.docx") as new,
        ):
            parts = sorted(n for n in new.namelist() if n.endswith((".xml", ".rels")))
            assert sorted(n for n in old.namelist() if n.endswith((".xml", ".rels"))) == parts
            for part in parts:
                assert old.read(part) == new.read(part), f"{name}.docx:{part}"


DOCUMENTED = {
    "exam_ticket": {"tickets", "instructions"},
    "exam_seat_list": {"plan_title", "fields", "wide_fields", "staff_label", "seats"},
    "exam_room_record": {
        "plan_title", "fields", "wide_fields", "staff_label", "staff", "replacements", "attendance",
        "late_names", "absent_names", "unrecorded_names", "swaps", "violations", "venue_checks", "notes",
    },
}  # fmt: skip


@pytest.mark.parametrize("name", build_templates.NAMES)
def test_template_variables_are_the_context(name):
    assert set(template_variables(name)) == DOCUMENTED[name]


def test_contexts_provide_every_template_variable(recorded):
    assert DOCUMENTED["exam_seat_list"] <= set(documents.seat_list_context(recorded.room))
    assert DOCUMENTED["exam_room_record"] <= set(documents.room_record_context(recorded.room))


# ---------------------------------------------------------------------------------------------------
# PDF


def _pdf(data: bytes, tmp_path, name: str) -> tuple[str, int]:
    path = tmp_path / name
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return "".join(text.split()), pages


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is installed by `make install`")
def test_tickets_pdf_one_page_per_candidate(world, tmp_path):
    _store_photo(world.regs["张三"], png_bytes(60, 80))
    data = documents.tickets_pdf([world.regs["张三"], world.regs["李四"]])
    assert data.startswith(b"%PDF")
    text, pages = _pdf(data, tmp_path, "tickets.pdf")
    assert pages == 2
    for expected in (
        "准考证",
        "ZK2026400001",
        "ZK2026400002",
        world.regs["张三"].person.id_number_masked,
        "理论知识考试",
        "".join(THEORY_TIME.split()),
        "考生须知",
    ):
        assert expected in text, expected
    assert world.ids["张三"] not in text


def test_rendered_papers_keep_the_schema_order(recorded):
    """Word calls a file with misordered property elements corrupt (tests/documents/test_templates.py)."""
    from tests.documents.test_templates import _misordered

    _store_photo(recorded.regs["张三"], png_bytes(50, 80))
    for name in build_templates.NAMES:
        assert _misordered((PACKAGE_DIR / f"{name}.docx").read_bytes()) == [], name
    assert _misordered(documents.tickets_docx(list(recorded.regs.values()))) == []
    assert _misordered(documents.seat_list_docx(recorded.room)) == []
    assert _misordered(documents.room_record_docx(recorded.room)) == []
