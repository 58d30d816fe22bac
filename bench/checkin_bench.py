"""Exam-day check-in under load (issue 10, performance target 3): the real server, many scanning devices.

    .venv/bin/python -m bench.checkin_bench [--devices 50] [--scans-per-device 30] [--workers 4]
                                            [--pace 2,0] [--max-seconds 120] [--db NAME] [--rebuild] [--json]

1. Creates (or reuses, when it holds the same shape) the PostgreSQL database `dudao_checkin_bench` on
   127.0.0.1:5432, migrates it and builds one institution's published plan with one theory session of
   `devices` rooms × `scans-per-device` seats: approved registrations with ticket numbers (persons and
   registrations inserted in bulk with their audit events, like the bulk import path), seats through
   `services.seats_assign`. One account of the institution per device, an institution admin (the role
   that holds API tokens, `accounts.permissions.uses_api`; plain staff hold none); each run issues each a
   fresh read-write API token (`token_create`), so every device has its own per-token rate budget (SEC-2,
   120 a minute by default: a device sends about 34 requests in all, warm-up included, so the limit is
   never reached and is not raised).
2. Starts gunicorn (`dudao.wsgi`, DUDAO_ENV=production as `make serve-prod` runs it, TLS and the HTTPS
   redirect off, no access log) on a free local port with `--workers` sync workers.
3. For each pace (seconds a device waits between scans, uniform ±50 %; 0 = back to back), with the
   room's check-ins cleared first: every device scans its room's candidates in seat order,
   POST /api/v1/exams/rooms/<id>/checkins with the ticket's QR payload, and resends about 10 % of its
   records later with the same client_id (an offline queue's sync). Each request's latency is taken
   on the device (connect to last byte). The run stops issuing requests after --max-seconds.
4. Checks the database afterwards: exactly one check-in per scanned seat, none elsewhere, and every
   resend answered 200 with the first answer's check-in. Figures as JSON (`--json`); the server is
   always stopped.
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("DUDAO_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "dudao_checkin_bench"
TARGET_P95_MS = 100.0
RESEND_SHARE = 0.10
HOST = "127.0.0.1"
# Keys of this throw-away database only (the server and the builder must agree: the QR signature is an
# HMAC under SECRET_KEY, ID numbers are encrypted under the PII key, audit events chain under one key).
# Never a deployment's keys.
SECRET_KEY = "checkin-bench-only-secret-key-9f3c1b7e5a2d4c6b8e0f1a3c5e7b9d2f4a6c8e0b"
PII_KEY = "checkin-bench-only-pii-key-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d"
AUDIT_KEY = "checkin-bench-only-audit-chain-key-7e1a3c5b9d2f4a6c8e0b2d4f6a8c0e2b"
BATCH_CODE = "PC-CHECKIN-BENCH"
DEVICE_USER = "bench_device_{:03d}"
GENERATOR_SEED = 20261220


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (as bench/registry_bench.py: p95 of 200 values is the 190th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _keys_env(url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "DUDAO_SECRET_KEY": SECRET_KEY,
        "DUDAO_PII_KEY": PII_KEY,
        "DUDAO_AUDIT_KEY": AUDIT_KEY,
        "DUDAO_AUDIT_KEY_ID": "checkin-bench",
        "DJANGO_SETTINGS_MODULE": "dudao.settings",
    }


def server_env(url: str) -> dict[str, str]:
    """The environment `make serve-prod` needs, on plain HTTP on the loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUDAO_", "DATABASE_URL"))}
    env.update(_keys_env(url))
    env.update(
        {
            "DUDAO_ENV": "production",
            "DUDAO_ALLOWED_HOSTS": HOST,
            "DUDAO_SSL_REDIRECT": "0",  # no TLS on the loopback
            "DUDAO_HSTS_SECONDS": "0",
            "DUDAO_LOG_LEVEL": "WARNING",
        }
    )
    return env


# ------------------------------------------------------------------------------------------- database


def ensure_database(name: str, rebuild: bool) -> str | None:
    """The bench database's URL (created when missing, recreated with --rebuild); None when PostgreSQL is
    not reachable."""
    try:
        import psycopg
        from psycopg import sql

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            if rebuild:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not found:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except Exception as exc:  # unreachable server: reported by the caller, not fatal
        print(f"PostgreSQL 不可用,跳过:{exc}", file=sys.stderr)
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def django_setup(url: str) -> None:
    """This process talks to the bench database with the server's keys (QR signatures, PII, audit chain)."""
    os.environ.update(_keys_env(url))
    os.environ["DUDAO_DEBUG"] = "0"  # no query log in the builder either
    import django

    django.setup()


def _resident_id(n: int) -> str:
    """A checksum-valid resident ID; the birth date moves every 1,000 candidates (3-digit sequence)."""
    from stdnum.cn import ric

    birth = dt.date(1990, 1, 1) + dt.timedelta(days=n // 1000)
    body = f"360102{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _shape(plan) -> tuple[int, int] | None:
    from dudao.exams.models import ExamRoom, Seat

    rooms = list(ExamRoom.objects.filter(session__plan=plan).values_list("capacity", flat=True))
    if not rooms or len(set(rooms)) != 1:
        return None
    if Seat.objects.filter(session__plan=plan).count() != len(rooms) * rooms[0]:
        return None
    return len(rooms), rooms[0]


def build(devices: int, seats: int) -> dict[str, Any]:
    """The plan, rooms, seats and device users (reused when the database already holds this shape)."""
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", interactive=False, verbosity=0)
    from dudao.exams.models import ExamPlan

    plan = ExamPlan.objects.filter(batch__code=BATCH_CODE).first()
    if plan is not None:
        if _shape(plan) == (devices, seats):
            return {"plan": plan.pk, "reused": True}
        raise SystemExit(f"数据库已有另一规模的基准数据(考场 × 座位 = {_shape(plan)}),请加 --rebuild 重建")
    started = time.perf_counter()
    with transaction.atomic():
        plan = _build_rows(devices, seats)
    return {"plan": plan.pk, "reused": False, "build_s": round(time.perf_counter() - started, 1)}


def _build_rows(devices: int, seats: int):
    from decimal import Decimal

    from django.utils import timezone

    from dudao.accounts.models import Role, User
    from dudao.common import audit, pii
    from dudao.common.bulk import insert
    from dudao.exams import services
    from dudao.exams.domain import rules
    from dudao.exams.models import Registration
    from dudao.exams.services.registrations import NUMBER_PREFIX, TICKET_PREFIX, precheck
    from dudao.people import domain as people_domain
    from dudao.people.bulk import save_persons
    from dudao.people.models import Person
    from dudao.registry import models as rm

    region, _ = rm.Region.objects.get_or_create(
        code="360000", defaults={"name": "江西省", "kind": "province"}
    )
    authority = rm.Authority.objects.create(
        code="BENCH-CHECKIN", name="基准测试鉴定中心", region=region, card_issuer_code="36"
    )
    from stdnum.cn import uscc

    body = "91360100MA0000001"
    institution = rm.Institution.objects.create(
        name="基准测试签到评价机构",
        kind=rm.Institution.Kind.SOCIAL_ORG,
        uscc=body + uscc.calc_check_digit(body),
        authority=authority,
        region=region,
    )
    filing = rm.Filing.objects.create(
        institution=institution,
        authority=authority,
        number="BA-CHECKIN-BENCH",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2099, 12, 31),
        status=rm.Filing.Status.ACTIVE,
    )
    occupation, _ = rm.Occupation.objects.get_or_create(code="6-18-02-04", defaults={"name": "焊工"})
    venue = rm.Venue.objects.create(
        institution=institution, name="基准测试考核场所", room_count=devices, capacity=devices * seats
    )
    today = timezone.localdate()
    exam_day = today + dt.timedelta(days=17)

    def at(hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(exam_day, dt.time(hour)))

    batch = rm.Batch.objects.create(
        code=BATCH_CODE,
        institution=institution,
        filing=filing,
        occupation=occupation,
        levels=[4],
        starts_at=at(8),
        ends_at=at(18),
        venue=venue,
    )
    admin = User.objects.create_user(
        username="bench_inst_admin", role=Role.INSTITUTION_ADMIN, institution=institution
    )
    admin.set_unusable_password()
    admin.save(update_fields=["password"])
    device_users = [
        User(username=DEVICE_USER.format(d), role=Role.INSTITUTION_ADMIN, institution=institution)
        for d in range(1, devices + 1)
    ]
    for user in device_users:
        user.set_unusable_password()
    User.objects.bulk_create(device_users)
    plan = services.plan_create(
        actor=admin,
        batch=batch,
        values={
            "title": "焊工职业技能等级认定公告(签到基准)",
            "registration_opens_on": today - dt.timedelta(days=2),
            "registration_closes_on": today + dt.timedelta(days=7),
            "withdraw_deadline": today + dt.timedelta(days=9),
            "fees": {"4": "300.00"},
            "fee_basis": "赣发改收费〔2020〕1号",
            "eligibility_summary": "按国家职业技能标准申报条件",
            "contact_name": "王老师",
            "contact_phone": "0791-88888888",
            "question_source": "provincial_bank",
        },
    )
    plan = services.plan_publish(actor=admin, plan=plan, row_version=plan.row_version)
    session = services.session_create(
        actor=admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": at(9).isoformat(),
            "ends_at": at(11).isoformat(),
        },
    )
    for r in range(1, devices + 1):
        services.room_create(
            actor=admin, session=session, values={"name": f"第{r:03d}考场", "capacity": seats}
        )
    # Candidates: persons and registrations in bulk (each with its audit event), approved with a ticket.
    persons = []
    for n in range(1, devices * seats + 1):
        rid = people_domain.parse_resident_id(_resident_id(n))
        persons.append(
            Person(
                name=f"考生{n:05d}",
                id_number_encrypted=pii.encrypt(rid.number),
                id_number_index=pii.blind_index(rid.number),
                id_number_masked=rid.masked,
                gender=rid.gender,
                birth_date=rid.birth_date,
                phone=f"138{n:08d}",
                registered_by=authority,
            )
        )
    save_persons(admin, persons)
    now = timezone.now()
    numbers: set[str] = set()

    def unique(prefix: str) -> str:
        while (number := rules.new_number(prefix)) in numbers:
            pass
        numbers.add(number)
        return number

    registrations = []
    for person in persons:
        registration = Registration(
            number=unique(NUMBER_PREFIX),
            plan=plan,
            person=person,
            phone=person.phone,
            level=4,
            status=Registration.Status.APPROVED,
            source=Registration.Source.ROSTER,
            education=Registration.Education.NONE,
            work_years=Decimal("6"),
            fee_amount=Decimal("300.00"),
            institution_reviewed_at=now,
            institution_reviewer=admin,
            authority_reviewed_at=now,
            ticket_number=unique(TICKET_PREFIX),
        )
        registration.precheck = precheck(registration)
        registration.precheck_route = registration.precheck["route"] or ""
        registrations.append(registration)
    insert(Registration, registrations)
    audit.record_many(
        actor=admin,
        action="exams.registration.submit",
        objects=registrations,
        after=[{"number": r.number, "status": r.status, "level": r.level} for r in registrations],
    )
    services.seats_assign(actor=admin, plan=plan)
    return plan


@dataclass
class Room:
    device: int
    room_id: int
    token: str
    seats: list[tuple[int, str]]  # (seat id, QR payload) in seat order


def prepare_run(plan_id: int, devices: int) -> list[Room]:
    """Clear the plan's check-ins and give each device user a fresh token (old ones revoked)."""
    from django.utils import timezone

    from dudao.accounts.models import ApiToken, TokenScope, User
    from dudao.accounts.services import token_create
    from dudao.exams.models import CheckIn, ExamRoom, ExamSession, Seat
    from dudao.exams.tickets import ticket_qr_payload

    CheckIn.objects.filter(seat__session__plan_id=plan_id).delete()
    # the morning of the exam: the session starts in half an hour, so check-in is open (the service accepts
    # a scan only from DUDAO_EXAM_CHECKIN_OPENS_MINUTES before the start to the admission cut-off)
    now = timezone.now()
    ExamSession.objects.filter(plan_id=plan_id).update(
        starts_at=now + dt.timedelta(minutes=30), ends_at=now + dt.timedelta(minutes=150)
    )
    rooms = list(ExamRoom.objects.filter(session__plan_id=plan_id).order_by("name"))
    users = {u.username: u for u in User.objects.filter(username__startswith="bench_device_")}
    ApiToken.objects.filter(user__in=users.values(), revoked=False).update(revoked=True)
    out = []
    for d, room in enumerate(rooms, start=1):
        user = users[DEVICE_USER.format(d)]
        _token, key = token_create(
            actor=None, user=user, name=f"签到基准设备 {d}", scope=TokenScope.READ_WRITE, days=1
        )
        seats = [
            (pk, ticket_qr_payload(ticket))
            for pk, ticket in Seat.objects.filter(room=room)
            .order_by("number")
            .values_list("pk", "registration__ticket_number")
        ]
        out.append(Room(device=d, room_id=room.pk, token=key, seats=seats))
    return out[:devices]


# ------------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(url: str, workers: int, port: int, log_path: Path) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - kept open for the server's life
    process = subprocess.Popen(
        [gunicorn, "dudao.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(workers), "--timeout", "60"],
        cwd=ROOT,
        env=server_env(url),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn 启动失败,见 {log_path}:\n{log_path.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/api/v1/exams/rooms/0/seats", headers={"Host": HOST})
            conn.getresponse().read()
            conn.close()
            # All workers booted: each logs one "Booting worker" line.
            if log_path.read_text().count("Booting worker") >= workers:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"gunicorn 在 90 秒内没有响应,见 {log_path}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _cpu_of(pid: int) -> float | None:
    """User + system CPU seconds of one process so far (None when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command name) of every process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            out[int(entry.name)] = (int(text.rsplit(")", 1)[1].split()[1]), name)
    return out


class CpuSampler(threading.Thread):
    """CPU used during a run by the server's processes, the bench database's PostgreSQL backends (not the
    server's shared background processes) and this process. Sampled twice a second:
    a PostgreSQL backend may end and another start mid-run (Django reconnects after DUDAO_CONN_MAX_AGE),
    so two snapshots alone would lose or misplace what such a backend used."""

    def __init__(self, master: int, database: str):
        super().__init__(daemon=True)
        self.master = master
        self.database = database
        self.stop = threading.Event()
        self.first: dict[str, dict[int, float]] = {"app": {}, "db": {}, "client": {}}
        self.last: dict[str, dict[int, float]] = {"app": {}, "db": {}, "client": {}}
        self._sample(initial=True)

    def _groups(self) -> dict[str, list[int]]:
        processes = _processes()
        return {
            "app": [self.master, *[pid for pid, (ppid, _n) in processes.items() if ppid == self.master]],
            "db": [pid for pid, (_p, name) in processes.items() if name == "postgres" and self._ours(pid)],
            "client": [os.getpid()],
        }

    def _ours(self, pid: int) -> bool:
        """A backend of the bench database (its title names it); the server is shared with other work."""
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return False
        return f" {self.database} " in title.replace("\0", " ")

    def _sample(self, initial: bool = False) -> None:
        for group, pids in self._groups().items():
            for pid in pids:
                value = _cpu_of(pid)
                if value is None:
                    continue
                # A process started after the first sample counts from zero.
                self.first[group].setdefault(pid, value if initial else 0.0)
                self.last[group][pid] = value

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self._sample()

    def finish(self) -> dict[str, float]:
        self.stop.set()
        self.join()
        self._sample()
        return {g: sum(v - self.first[g][pid] for pid, v in self.last[g].items()) for g in self.last}


# ------------------------------------------------------------------------------------------- devices


@dataclass
class Result:
    kind: str  # "scan" or "resend"
    seat: int
    client_id: str
    status: int
    ms: float
    checkin: int | None


@dataclass
class Device:
    room: Room
    port: int
    pace: float
    deadline: float
    tag: str
    rng: random.Random
    results: list[Result] = field(default_factory=list)
    skipped: int = 0

    def plan(self) -> list[tuple[str, int]]:
        """Scans in seat order; ~10 % of the records resent (same client_id) a few scans later."""
        ops: list[tuple[str, int]] = [("scan", i) for i in range(len(self.room.seats))]
        count = max(1, round(len(ops) * RESEND_SHARE))
        for i in sorted(self.rng.sample(range(len(self.room.seats)), count), reverse=True):
            position = ops.index(("scan", i)) + 1 + self.rng.randint(0, 3)
            ops.insert(min(position, len(ops)), ("resend", i))
        return ops

    def post(self, body: dict[str, Any]) -> tuple[int, float, dict[str, Any] | None]:
        data = json.dumps(body).encode()
        headers = {
            "Authorization": f"Bearer {self.room.token}",
            "Content-Type": "application/json",
            "Host": HOST,
        }
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request(
                "POST", f"/api/v1/exams/rooms/{self.room.room_id}/checkins", body=data, headers=headers
            )
            response = conn.getresponse()
            raw = response.read()
            status = response.status
        except OSError:
            status, raw = 0, b""
        finally:
            conn.close()
        ms = (time.perf_counter() - started) * 1000
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        return status, ms, payload if isinstance(payload, dict) else None

    def run(self, start: threading.Event) -> None:
        ops = self.plan()
        start.wait()
        if self.pace:
            time.sleep(self.rng.uniform(0, self.pace))  # devices do not start in step
        for n, (kind, i) in enumerate(ops):
            if time.monotonic() >= self.deadline:
                self.skipped = len(ops) - n
                return
            seat, code = self.room.seats[i]
            client_id = f"{self.tag}-d{self.room.device:03d}-{i + 1}"
            status, ms, payload = self.post({"code": code, "identity_checked": True, "client_id": client_id})
            checkin = payload.get("id") if payload and status in (200, 201) else None
            self.results.append(Result(kind, seat, client_id, status, ms, checkin))
            if self.pace:
                time.sleep(self.rng.uniform(0.5, 1.5) * self.pace)


def warm_up(rooms: list[Room], port: int, workers: int) -> dict[str, int]:
    """Unmeasured: each worker's first requests load the API and services code (seconds on a busy machine).
    An unreadable code is refused (422) before any write; one request per token where there are
    enough devices, at most a few per token otherwise (far below the per-token budget)."""
    from concurrent.futures import ThreadPoolExecutor

    targets = [rooms[i % len(rooms)] for i in range(max(len(rooms), workers * 4))]

    def one(room: Room) -> int:
        device = Device(room, port, 0.0, math.inf, "warm", random.Random(0))
        return device.post({"code": "warm-up", "identity_checked": True})[0]

    statuses: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=workers * 2) as pool:
        for status in pool.map(one, targets):
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    return statuses


def run_devices(rooms: list[Room], port: int, pace: float, max_seconds: float, tag: str) -> dict[str, Any]:
    start = threading.Event()
    devices = [
        Device(room, port, pace, math.inf, tag, random.Random(GENERATOR_SEED * 1000 + room.device))
        for room in rooms
    ]
    threads = [threading.Thread(target=d.run, args=(start,), daemon=True) for d in devices]
    for t in threads:
        t.start()
    began = time.monotonic()
    deadline = began + max_seconds
    for d in devices:
        d.deadline = deadline
    start.set()
    for t in threads:
        t.join(timeout=max(0.0, deadline + 35 - time.monotonic()))
    wall = time.monotonic() - began
    return {"devices": devices, "wall_s": wall, "hung": sum(t.is_alive() for t in threads)}


def verify(plan_id: int, devices: list[Device]) -> dict[str, Any]:
    """One check-in per scanned seat, none for a seat not scanned, resends answered with the same record."""
    from dudao.exams.models import CheckIn

    stored = dict(CheckIn.objects.filter(seat__session__plan_id=plan_id).values_list("seat_id", "client_id"))
    firsts: dict[str, Result] = {}
    resend_mismatch = 0
    scanned: set[int] = set()
    for d in devices:
        for r in d.results:
            if r.kind == "scan":
                firsts[r.client_id] = r
                if r.status in (200, 201):
                    scanned.add(r.seat)
        for r in d.results:
            if r.kind == "resend":
                first = firsts.get(r.client_id)
                if first is None or r.status != 200 or r.checkin != first.checkin:
                    resend_mismatch += 1
    return {
        "checkins": len(stored),
        "seats_scanned": len(scanned),
        "missing": len(scanned - stored.keys()),
        "unexpected": len(stored.keys() - scanned),
        "client_id_mismatch": sum(
            1
            for d in devices
            for r in d.results
            if r.kind == "scan" and stored.get(r.seat) not in (None, r.client_id)
        ),
        "resend_mismatch": resend_mismatch,
    }


def measure(url: str, plan_id: int, rooms: list[Room], port: int, master: int, pace: float, args) -> dict:
    tag = f"p{pace:g}-{int(time.time())}"
    load_before = os.getloadavg()
    sampler = CpuSampler(master, args.db)
    sampler.start()
    outcome = run_devices(rooms, port, pace, args.max_seconds, tag)
    cpu = sampler.finish()
    load_after = os.getloadavg()
    devices: list[Device] = outcome["devices"]
    results = [r for d in devices for r in d.results]
    ms = [r.ms for r in results] or [0.0]
    scans = [r.ms for r in results if r.kind == "scan"] or [0.0]
    statuses: dict[str, int] = {}
    for r in results:
        statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
    checked = verify(plan_id, devices)
    server_errors = sum(n for s, n in statuses.items() if s == "0" or s.startswith("5"))
    other = sum(
        n for s, n in statuses.items() if s not in ("200", "201") and not s.startswith("5") and s != "0"
    )
    figures = {
        "pace_s": pace,
        "devices": len(devices),
        "scans": sum(1 for r in results if r.kind == "scan"),
        "resends": sum(1 for r in results if r.kind == "resend"),
        "requests": len(results),
        "not_sent": sum(d.skipped for d in devices),
        "wall_s": round(outcome["wall_s"], 1),
        "throughput_per_s": round(len(results) / outcome["wall_s"], 1) if outcome["wall_s"] else 0.0,
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
        "scan_p95_ms": round(percentile(scans, 95), 1),
        "statuses": dict(sorted(statuses.items())),
        "server_errors": server_errors,
        "other_refusals": other,
        **checked,
        "duplicates": checked["unexpected"] + checked["client_id_mismatch"] + checked["resend_mismatch"],
        "app_cpu_ms_per_request": round(cpu["app"] * 1000 / len(results), 1) if results else 0.0,
        "db_cpu_ms_per_request": round(cpu["db"] * 1000 / len(results), 1) if results else 0.0,
        "client_cpu_ms_per_request": round(cpu["client"] * 1000 / len(results), 1) if results else 0.0,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "hung_devices": outcome["hung"],
    }
    # The latency target is for devices used as on the exam day (a scan after each identity check); the
    # back-to-back run (pace 0) is the saturation ceiling of the machine: judged on correctness only.
    figures["latency_judged"] = pace > 0
    figures["ok"] = (
        (figures["p95_ms"] <= TARGET_P95_MS or pace <= 0)
        and server_errors == 0
        and other == 0
        and figures["missing"] == 0
        and figures["duplicates"] == 0
        and figures["not_sent"] == 0
    )
    return figures


def run(args) -> dict[str, Any]:
    url = ensure_database(args.db, args.rebuild)
    if url is None:
        return {"skipped": "PostgreSQL 不可达 / PostgreSQL not reachable at 127.0.0.1:5432"}
    django_setup(url)
    built = build(args.devices, args.scans_per_device)
    rooms = prepare_run(built["plan"], args.devices)
    report: dict[str, Any] = {
        "benchmark": "exam-day check-in under load",
        "command": ".venv/bin/python -m bench.checkin_bench " + " ".join(args.argv),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "database": f"PostgreSQL {args.db}",
        "devices": args.devices,
        "seats_per_room": args.scans_per_device,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "target_p95_ms": TARGET_P95_MS,
        "build": built,
        "runs": [],
    }
    print(f"gunicorn: {args.workers} 个工作进程 workers", file=sys.stderr)
    port = free_port()
    server = start_server(url, args.workers, port, ROOT / "var" / "bench" / "checkin-server.log")
    try:
        from django.db import connections

        report["warm_up"] = warm_up(rooms, port, args.workers)
        for n, pace in enumerate(args.paces):
            if n:
                rooms = prepare_run(built["plan"], args.devices)
            connections.close_all()  # the builder's connection stays out of the measured run
            figures = measure(url, built["plan"], rooms, port, server.pid, pace, args)
            report["runs"].append(figures)
            print(
                f"pace {pace:g} s: {figures['requests']} requests, p95 {figures['p95_ms']} ms, "
                f"load {figures['load_before'][0]}→{figures['load_after'][0]}",
                file=sys.stderr,
            )
    finally:
        stop_server(server)
    report["ok"] = all(r["ok"] for r in report["runs"])
    return report


# ------------------------------------------------------------------------------------------- docs


def section(figures: dict[str, Any]) -> str:
    """The docs/performance.md section of one report (Chinese, then English)."""
    if not figures or not figures.get("runs"):
        return ""
    lines = [
        "## 考试签到负载基准 / Check-in load benchmark (issue 10 target 3)",
        "",
        f"命令 command: `{figures.get('command', '.venv/bin/python -m bench.checkin_bench')}`。"
        f"{figures.get('date', '')}:PostgreSQL,gunicorn {figures['workers']} 个同步工作进程,"
        f"{figures['devices']} 台设备并行,每台一个考场 {figures['seats_per_room']} 名考生,各用自己的 API 令牌"
        f"逐个扫码签到(准考证二维码),约 10 % 的记录稍后以同一设备记录号补传;本机 {figures.get('cpus', 2)} 核,"
        "与其他会话共用(负载见表)。延迟在设备端测量(连接到收完响应)。“间隔”为每台设备两次扫码之间的"
        "等待(±50 % 随机):现场核对照片与身份证后才扫下一人,0 表示不间断连续发送(压力上限)。",
        "",
        f"{figures['devices']} devices in parallel against the running server (PostgreSQL, gunicorn with "
        f"{figures['workers']} sync workers), one room of {figures['seats_per_room']} candidates each, each "
        "device with its own API token, scanning ticket QR codes; about 10 % of the records are resent later "
        "with the same client_id (offline sync). Latency is taken on the device (connect to last byte). "
        "Pace = a device's wait between two scans (±50 % random): staff check the photo and ID card before "
        "the next scan; 0 = back to back (stress ceiling). The machine's cores are shared with other "
        "sessions: see the load column.",
        "",
        "| 间隔 pace | 请求 requests (201/200) | p50 | p95 | p99 | max | 吞吐 throughput | 5xx "
        "| 每座位签到记录 check-ins per seat | CPU ms/请求 app·db·client | 负载 load (1 min) 前→后 "
        "| 结论 verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in figures["runs"]:
        per_seat = "恰好 1 exactly 1" if r["missing"] == 0 and r["duplicates"] == 0 else "有误 WRONG"
        if not r.get("latency_judged", True):
            verdict = "上限,结果正确 ceiling, correct" if r["ok"] else "结果有误 WRONG"
        else:
            verdict = "达标 met" if r["ok"] else "未达标 NOT MET"
        lines.append(
            f"| {r['pace_s']:g} s | {r['requests']:,} ({r['statuses'].get('201', 0)}/"
            f"{r['statuses'].get('200', 0)}) | {r['p50_ms']} ms | {r['p95_ms']} ms | {r['p99_ms']} ms "
            f"| {r['max_ms']} ms | {r['throughput_per_s']}/s | {r['server_errors']} | {per_seat} "
            f"| {r.get('app_cpu_ms_per_request', '?')} · {r.get('db_cpu_ms_per_request', '?')} · "
            f"{r.get('client_cpu_ms_per_request', '?')} "
            f"| {r['load_before'][0]} → {r['load_after'][0]} | {verdict} |"
        )
    lines += [
        "",
        f"目标 target: p95 ≤ {figures['target_p95_ms']:g} ms,无 5xx,每个扫过的座位恰有一条签到记录 / "
        "no 5xx, exactly one check-in per scanned seat. CPU:gunicorn 进程、PostgreSQL 进程、发起请求的"
        "基准进程各自的用户+系统时间 / user+system time of the gunicorn processes, the PostgreSQL processes "
        "and the load-generating bench process, per request.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--scans-per-device", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--pace", default="2,0", help="seconds between a device's scans, comma-separated runs"
    )
    parser.add_argument("--max-seconds", type=float, default=120.0, help="cap of each run's duration")
    parser.add_argument("--db", default=PG_DB, help="PostgreSQL database name")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    args.paces = [float(p) for p in args.pace.split(",") if p.strip()]
    if args.devices < 1 or args.scans_per_device < 1 or not args.paces:
        parser.error("--devices, --scans-per-device and --pace must be positive")
    report = run(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    elif "skipped" in report:
        print(report["skipped"])
    else:
        for key in ("devices", "seats_per_room", "workers", "build"):
            print(f"{key}: {report[key]}")
        for r in report["runs"]:
            print(json.dumps(r, ensure_ascii=False))
    return 0 if report.get("ok", True) else 1


if __name__ == "__main__":
    raise SystemExit(main())
