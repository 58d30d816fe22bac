"""The deterministic demo province: every record the demo loads, decided here from the seed alone.

Pure Python (no Django): `build_plan(scale, seed, today, is_workday)` returns plain dataclasses that the
loaders (`loader.py` through the services, `bulk.py` through the domain rules and bulk inserts) write.
Same seed, scale and day → the same plan (each part draws from its own `random.Random(f"{seed}:{part}")`
stream, so adding records to one part does not shift the others).
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from stdnum.cn import ric, uscc

from dudao.people import domain as people_domain
from dudao.registry import domain as registry_domain

from . import names

TZ = ZoneInfo("Asia/Shanghai")
DEMO_AUTHORITY_PREFIX = "DEMO-"
DEMO_USER_PREFIX = "demo_"
FILING_YEARS = 5  # [interpretation] demo filings run five years (the sources give no fixed term)


@dataclass(frozen=True)
class Scale:
    """How big the synthetic province is (DESIGN: province scale = 2,000 / 5,000 / 30,000 / 50,000)."""

    name: str
    cities: int
    institutions: int
    supervisors: int
    examiners: int
    batches: int
    months: int


SCALES = {
    "tiny": Scale("tiny", cities=2, institutions=12, supervisors=12, examiners=40, batches=40, months=3),
    "small": Scale("small", cities=3, institutions=60, supervisors=80, examiners=300, batches=300, months=6),
    "province": Scale(
        "province", cities=11, institutions=2000, supervisors=5000, examiners=30000, batches=50000, months=12
    ),
}


# ---------------------------------------------------------------------------------------------------------
# Plan records (indexes point into the plan's lists)
@dataclass
class AuthorityPlan:
    code: str
    name: str
    region: str
    parent: int | None
    contact_phone: str
    city: int | None  # index into CITIES; None for the province centre


@dataclass
class InstitutionPlan:
    name: str
    kind: str
    uscc: str
    region: str
    authority: int
    parent_org_name: str
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    city: int


@dataclass
class ScopePlan:
    occupation: str  # occupation code
    levels: tuple[int, ...]
    start_date: dt.date | None = None  # None: from the filing's first day


@dataclass
class FilingPlan:
    institution: int
    number: str
    valid_from: dt.date
    valid_until: dt.date
    status: str  # status at creation (active: scopes can only be added to an open filing)
    scopes: tuple[ScopePlan, ...] = ()
    later_status: str = ""  # expired / suspended / rectifying, set through filing_set_status afterwards
    later_reason: str = ""

    @property
    def final_status(self) -> str:
        return self.later_status or self.status


@dataclass
class VenuePlan:
    institution: int
    name: str
    address: str
    room_count: int
    capacity: int
    camera_count: int


@dataclass
class PersonPlan:
    name: str
    id_number: str
    phone: str
    employer_name: str = ""


@dataclass
class ExaminerPlan:
    person: PersonPlan
    authority: int
    senior: bool
    card_number: str
    issued_on: dt.date
    scopes: tuple[tuple[str, tuple[int, ...]], ...]
    renew_trained_on: dt.date | None = None
    lost: bool = False

    @property
    def valid_until(self) -> dt.date:
        """Validity after the planned renewal training, if any (EXAM-2)."""
        first = people_domain.default_card_valid_until(self.issued_on)
        if self.renew_trained_on is None:
            return first
        facts = people_domain.CardFacts("valid", self.issued_on, first, None)
        return people_domain.renewal_after_training(facts, self.renew_trained_on)


@dataclass
class SupervisorPlan:
    kind: str
    person: PersonPlan | None  # None: the person of `examiner_person` (also an examiner, SUP-8)
    examiner_person: int | None
    authority: int | None
    institution: int | None
    qualification: dict
    card_number: str
    issued_on: dt.date
    contract_start: dt.date | None
    contract_terms: int


PersonRef = tuple[str, int]  # ("E", examiner index) or ("S", supervisor index)


@dataclass
class RelationPlan:
    person: PersonRef
    kind: str
    note: str
    declared_on: dt.date
    other: PersonRef | None = None
    other_new: PersonPlan | None = None  # declared by ID number: registered by the relation service
    institution: int | None = None


@dataclass
class BatchPlan:
    code: str
    institution: int
    filing: int
    occupation: str
    levels: tuple[int, ...]
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: int
    candidate_count: int
    examiners: tuple[int, ...]
    leader: int | None
    cancel_reason: str = ""


@dataclass
class UserPlan:
    username: str
    role: str  # "" for the superuser
    display_name: str
    authority: int | None = None
    institution: int | None = None
    person: PersonRef | None = None
    superuser: bool = False


@dataclass
class Plan:
    scale: Scale
    seed: int
    today: dt.date
    cities: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    occupations: list[tuple[str, str]] = field(default_factory=list)  # demo occupations (unverified)
    authorities: list[AuthorityPlan] = field(default_factory=list)
    institutions: list[InstitutionPlan] = field(default_factory=list)
    filings: list[FilingPlan] = field(default_factory=list)
    venues: list[VenuePlan] = field(default_factory=list)
    examiners: list[ExaminerPlan] = field(default_factory=list)
    supervisors: list[SupervisorPlan] = field(default_factory=list)
    relations: list[RelationPlan] = field(default_factory=list)
    batches: list[BatchPlan] = field(default_factory=list)
    users: list[UserPlan] = field(default_factory=list)

    def person_of(self, ref: PersonRef) -> PersonPlan:
        kind, index = ref
        if kind == "E":
            return self.examiners[index].person
        sup = self.supervisors[index]
        return sup.person if sup.person is not None else self.examiners[sup.examiner_person].person

    def canonical(self, ref: PersonRef) -> PersonRef:
        """The same person has one reference: a supervisor who is also an examiner is ("E", i)."""
        if ref[0] == "S" and self.supervisors[ref[1]].person is None:
            return ("E", self.supervisors[ref[1]].examiner_person)
        return ref


# ---------------------------------------------------------------------------------------------------------
# Small generators
def _rng(seed: int, part: str) -> random.Random:
    return random.Random(f"dudao-demo:{seed}:{part}")


def _person_name(rng: random.Random) -> str:
    given = rng.choice(names.GIVEN_SYLLABLES)
    if rng.random() < 0.7:
        given += rng.choice(names.GIVEN_SYLLABLES)
    return rng.choice(names.SURNAMES) + given


def _mobile(rng: random.Random) -> str:
    return (
        "1"
        + rng.choice(("35", "36", "37", "38", "39", "50", "51", "52", "58", "59", "80", "86", "87", "88"))
        + f"{rng.randrange(10**8):08d}"
    )


def _landline(rng: random.Random, area: str) -> str:
    return f"{area}-8{rng.randrange(10**7):07d}"


def _days_ago(today: dt.date, days: int) -> dt.date:
    return today - dt.timedelta(days=days)


class _People:
    """Synthetic persons with unique, checksum-valid resident IDs (cn.ric, birth place checked)."""

    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        self.numbers: set[str] = set()
        self._valid: dict[tuple[str, int], bool] = {}

    def _place_ok(self, code: str, year: int) -> bool:
        key = (code, year)
        if key not in self._valid:
            body = f"{code}{year}0615001"
            self._valid[key] = ric.is_valid(body + ric.calc_check_digit(body + "0"))
        return self._valid[key]

    def new(self, city: int, employer_name: str = "") -> PersonPlan:
        rng = self.rng
        city_code = names.CITIES[city][0]
        while True:
            year = rng.randint(1962, 1998)
            birth = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
            place = rng.choice(names.BIRTH_PLACES[city_code])
            if not self._place_ok(place, birth.year):
                place = names.ALWAYS_VALID_BIRTH_PLACES[rng.randrange(2)]
            body = f"{place}{birth:%Y%m%d}{rng.randrange(1000):03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.numbers:
                self.numbers.add(number)
                return PersonPlan(_person_name(rng), number, _mobile(rng), employer_name)


def _unique(rng: random.Random, taken: set[str], make: Callable[[random.Random], str]) -> str:
    """Draw until the value is new (names, USCCs); deterministic because the draws are."""
    while (value := make(rng)) in taken:
        pass
    taken.add(value)
    return value


def _levels_down_to(top: int) -> tuple[int, ...]:
    return tuple(range(5, top - 1, -1))


# ---------------------------------------------------------------------------------------------------------
# The province
def _authorities(plan: Plan, rng: random.Random) -> None:
    plan.authorities.append(
        AuthorityPlan(
            f"{DEMO_AUTHORITY_PREFIX}36",
            "江西省职业技能鉴定指导中心",
            names.PROVINCE_CODE,
            None,
            _landline(rng, "0791"),
            None,
        )
    )
    for i, (code, name, _short, area, _districts) in enumerate(names.CITIES[: plan.scale.cities]):
        plan.cities.append((code, name))
        plan.authorities.append(
            AuthorityPlan(
                f"{DEMO_AUTHORITY_PREFIX}{code[:4]}",
                f"{name}职业技能鉴定指导中心",
                code,
                0,
                _landline(rng, area),
                i,
            )
        )


def _institution_name(rng: random.Random, kind: str, city_short: str, districts: tuple[str, ...]) -> str:
    place = city_short if rng.random() < 0.7 else rng.choice(districts)
    if kind == "employer":
        return (
            place
            + rng.choice(names.EMPLOYER_BRANDS)
            + rng.choice(names.EMPLOYER_INDUSTRIES)
            + rng.choice(names.EMPLOYER_SUFFIXES)
        )
    if kind == "tech_school":
        return place + rng.choice(names.SCHOOL_WORDS) + rng.choice(names.SCHOOL_SUFFIXES)
    return (
        place
        + rng.choice(names.SOCIAL_BRANDS)
        + rng.choice(names.SOCIAL_TRADES)
        + rng.choice(names.SOCIAL_SUFFIXES)
    )


_USCC_TAIL = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 characters (no I, O, S, V, Z)


def _uscc(rng: random.Random, kind: str, name: str, city_code: str) -> str:
    # Registration authority + type: 91 enterprise, 12 public institution (tech school),
    # 52 private non-enterprise unit (social org), 91 when a social org is a company.
    prefix = (
        "91" if kind == "employer" or name.endswith("有限公司") else ("12" if kind == "tech_school" else "52")
    )
    body = prefix + city_code + "".join(rng.choice(_USCC_TAIL) for _ in range(8)) + str(rng.randrange(10))
    return body + uscc.calc_check_digit(body)


def _institutions(plan: Plan, rng: random.Random) -> None:
    cities = len(plan.cities)
    city_weights = [3 if i == 0 else 1 for i in range(cities)]  # the capital has more institutions
    taken_names: set[str] = set()
    taken_uscc: set[str] = set()
    for i in range(plan.scale.institutions):
        if i < 3:  # every kind exists at every scale; the first one is the demo institution
            kind, city = ("social_org", "employer", "tech_school")[i], i % cities
        else:
            r = rng.random()
            kind = "employer" if r < 0.42 else ("tech_school" if r < 0.57 else "social_org")
            city = rng.choices(range(cities), weights=city_weights)[0]
        code, city_name, short, area, districts = names.CITIES[city]
        name = _unique(
            rng, taken_names, lambda r, k=kind, s=short, d=districts: _institution_name(r, k, s, d)
        )
        number = _unique(rng, taken_uscc, lambda r, k=kind, nm=name, c=code: _uscc(r, k, nm, c))
        authority = 0 if rng.random() < 0.15 else city + 1
        address = (
            f"{names.PROVINCE_NAME}{city_name}{rng.choice(districts)}{rng.choice(names.ROADS)}"
            f"{rng.randint(1, 999)}号"
        )
        parent = rng.choice(names.NATIONAL_ORGS) if kind == "social_org" and rng.random() < 0.1 else ""
        phone = _landline(rng, area) if rng.random() < 0.6 else _mobile(rng)
        plan.institutions.append(
            InstitutionPlan(
                name,
                kind,
                number,
                code,
                authority,
                parent,
                address,
                _person_name(rng),
                _person_name(rng),
                phone,
                city,
            )
        )


def _scopes(rng: random.Random, kind: str, filing: FilingPlan, today: dt.date, allow_later: bool) -> tuple:
    pool = names.KIND_OCCUPATIONS[kind]
    chosen = rng.sample(pool, k=min(len(pool), rng.choice((1, 2, 2, 3, 3, 4))))
    scopes = []
    for code in chosen:
        top = rng.choice((4, 3, 3)) if kind == "social_org" else rng.choice((3, 3, 2, 2, 1))
        start = None
        later = today + dt.timedelta(days=rng.randint(15, 120))
        if allow_later and rng.random() < 0.06 and later <= filing.valid_until:
            start = later  # an occupation added to the scope later: batches only from that day (INST-3)
        scopes.append(ScopePlan(code, _levels_down_to(top), start))
    return tuple(scopes)


EXPIRED_REASON = "备案有效期届满"
_FORCED_FILING_DRAW = {0: 0.5, 1: 0.5, 2: 0.5, 3: 0.03, 4: 0.06, 5: 0.01, 6: 0.15}


def _filings(plan: Plan, rng: random.Random) -> None:
    today = plan.today
    seq = 0

    def number(day: dt.date) -> str:
        nonlocal seq
        seq += 1
        return f"{names.PROVINCE_SHORT}评备{day.year}-{seq:05d}"

    for i, inst in enumerate(plan.institutions):
        # Every status at every scale: institutions 0–2 (the demo logins) are plainly active, then one
        # suspended, one rectifying, one with only an expired filing and one renewed.
        r = _FORCED_FILING_DRAW.get(i, rng.random())
        valid_from = _days_ago(today, rng.randint(30, 1400))
        valid_until = people_domain.term_end(valid_from, FILING_YEARS)
        if r < 0.02:  # only an expired filing: the institution may not schedule batches (INST-3)
            until = _days_ago(today, rng.randint(30, 700))
            start = people_domain.anniversary(until + dt.timedelta(days=1), -FILING_YEARS)
            old = FilingPlan(
                i, number(start), start, until, "active", later_status="expired", later_reason=EXPIRED_REASON
            )
            old.scopes = _scopes(rng, inst.kind, old, today, allow_later=False)
            plan.filings.append(old)
            continue
        if 0.12 <= r < 0.20:  # a renewed institution: the previous five years expired before this filing
            start = people_domain.anniversary(valid_from, -FILING_YEARS)
            old = FilingPlan(
                i,
                number(start),
                start,
                valid_from - dt.timedelta(days=1),
                "active",
                later_status="expired",
                later_reason=EXPIRED_REASON,
            )
            old.scopes = _scopes(rng, inst.kind, old, today, allow_later=False)
            plan.filings.append(old)
        filing = FilingPlan(i, number(valid_from), valid_from, valid_until, "active")
        if 0.02 <= r < 0.05:
            filing.later_status = "suspended"
            filing.later_reason = "督导检查发现考务管理不规范,暂停评价活动,限期改正"  # INST-4
        elif 0.05 <= r < 0.08:
            filing.later_status = "rectifying"
            filing.later_reason = "延续备案评估得分在 60–80 分之间,限期 6 个月整改"  # REN-4
        filing.scopes = _scopes(rng, inst.kind, filing, today, allow_later=True)
        plan.filings.append(filing)


def _venues(plan: Plan, rng: random.Random) -> None:
    for i, inst in enumerate(plan.institutions):
        n = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
        for name in rng.sample(names.VENUE_NAMES, n):
            rooms = rng.randint(2, 10)
            plan.venues.append(
                VenuePlan(
                    i,
                    name,
                    inst.address,
                    rooms,
                    rooms * rng.choice((20, 30, 30, 40)),
                    rooms * 2 if rng.random() < 0.9 else rooms,
                )  # B4.5: ≥ 2 cameras per room, mostly
            )


def _all_occupation_codes() -> list[str]:
    return [c for c, _ in names.VERIFIED_OCCUPATIONS] + [c for c, _ in names.DEMO_OCCUPATIONS]


def _examiners(plan: Plan, rng: random.Random, people: _People) -> None:
    today = plan.today
    codes = _all_occupation_codes()
    authorities = len(plan.authorities)
    for i in range(plan.scale.examiners):
        authority = 0 if rng.random() < 0.2 else rng.randrange(1, authorities)
        city = plan.authorities[authority].city
        city = rng.randrange(len(plan.cities)) if city is None else city
        senior = rng.random() < 0.15
        tops = (1, 2, 2) if senior else (2, 3, 3, 4, 4)
        occupations = rng.sample(codes, k=rng.choice((1, 2, 2, 3)))
        # Every occupation has examiners at every scale: the first ones cycle through the catalogue.
        if i < len(codes):
            occupations = [codes[i], *[c for c in occupations if c != codes[i]]][:3]
        scopes = tuple((code, _levels_down_to(rng.choice(tops))) for code in occupations)
        r = rng.random()
        renew = None
        lost = False
        if r < 0.04:  # card expired (not renewed): cannot examine (EXAM-2)
            issued = _days_ago(today, 3 * 365 + rng.randint(30, 500))
        elif r < 0.06:  # expired, renewal training taken in time: valid three more years (EXAM-2)
            issued = _days_ago(today, 3 * 365 + rng.randint(20, 300))
            until = people_domain.default_card_valid_until(issued)
            renew = until + dt.timedelta(days=rng.randint(1, max(1, min(300, (today - until).days))))
            renew = min(renew, today)
        else:
            issued = _days_ago(today, rng.randint(0, 1050))
            lost = rng.random() < 0.01 and i >= len(codes)
        yy = issued.year % 100
        plan.examiners.append(
            ExaminerPlan(
                people.new(city), authority, senior, f"JXKP{yy:02d}{i + 1:06d}", issued, scopes, renew, lost
            )
        )


def _supervisors(plan: Plan, rng: random.Random, people: _People) -> None:
    today = plan.today
    serials: dict[int, int] = {}
    authorities = len(plan.authorities)
    reused: set[int] = set()
    for i in range(plan.scale.supervisors):
        external = rng.random() < 0.6 if i >= 2 else i == 0  # the first two: one of each kind
        qualification = {
            "personal_conditions": True,
            "basis": rng.choice(("assessment_work", "examiner_3_years")),
            "training_passed_on": None,
            "exam_passed_on": None,
        }
        if external:
            authority = 0 if rng.random() < 0.4 else rng.randrange(1, authorities)
            city = plan.authorities[authority].city
            city = rng.randrange(len(plan.cities)) if city is None else city
            person, examiner_person = None, None
            if i >= 2 and rng.random() < 0.05 and plan.examiners:
                candidate = rng.randrange(len(plan.examiners))
                if candidate not in reused:  # also an examiner: may not supervise their own session (SUP-8)
                    reused.add(candidate)
                    examiner_person = candidate
            if examiner_person is None:
                person = people.new(city, rng.choice(names.EMPLOYER_NAMES_FOR_PERSONS))
            if rng.random() < 0.03:
                issued = _days_ago(today, 3 * 365 + rng.randint(10, 300))  # expired card
            else:
                issued = _days_ago(today, rng.randint(0, 1000))
            yy = issued.year % 100
            serials[yy] = serials.get(yy, 0) + 1
            number = f"R36{yy:02d}{serials[yy]:04d}"  # SUP-3: R + issuer code 36 + year + serial
            institution = None
        else:
            institution = rng.randrange(len(plan.institutions)) if i >= 2 else 0
            authority = None
            city = plan.institutions[institution].city
            person, examiner_person = people.new(city), None
            issued = _days_ago(today, rng.randint(0, 1000))
            number = f"JXNB{issued.year % 100:02d}{i + 1:05d}"
        qualification["training_passed_on"] = (issued - dt.timedelta(days=rng.randint(20, 60))).isoformat()
        qualification["exam_passed_on"] = (issued - dt.timedelta(days=rng.randint(5, 19))).isoformat()
        contract_start, terms = None, 0
        if rng.random() < (0.9 if external else 0.3):
            contract_start = _days_ago(today, rng.randint(30, 8 * 365))
            # SUP-5: 3-year terms renewed back to back, at most three; the last one covers today.
            terms = 1
            end = people_domain.term_end(contract_start)
            while end < today and terms < people_domain.MAX_TERMS:
                terms += 1
                end = people_domain.term_end(end + dt.timedelta(days=1))
        plan.supervisors.append(
            SupervisorPlan(
                "external" if external else "internal",
                person,
                examiner_person,
                authority,
                institution,
                qualification,
                number,
                issued,
                contract_start,
                terms,
            )
        )


_RELATIVE_NOTES = ("配偶", "兄弟姐妹", "子女", "父母", "表兄弟", "姻亲")


def _relations(plan: Plan, rng: random.Random, people: _People) -> None:
    today = plan.today
    seen: set[tuple] = set()

    def add(relation: RelationPlan) -> None:
        other = plan.canonical(relation.other) if relation.other else None
        me = plan.canonical(relation.person)
        key = (me, relation.kind, other, relation.institution, relation.other_new is not None)
        if other == me or key in seen:
            return
        seen.add(key)
        relation.person = me
        relation.other = other
        plan.relations.append(relation)

    n_exam, n_sup, n_inst = len(plan.examiners), len(plan.supervisors), len(plan.institutions)
    declared = lambda: _days_ago(today, rng.randint(0, 700))  # noqa: E731
    for j, sup in enumerate(plan.supervisors):
        if sup.kind == "external" and rng.random() < 0.15:
            plan_inst = rng.randrange(n_inst)
            add(RelationPlan(("S", j), "employment", "曾在该机构兼职授课", declared(), institution=plan_inst))
    for i in range(n_exam):
        r = rng.random()
        if r < 0.05:
            city = plan.authorities[plan.examiners[i].authority].city or 0
            add(
                RelationPlan(
                    ("E", i), "relative", rng.choice(_RELATIVE_NOTES), declared(), other_new=people.new(city)
                )
            )
        elif r < 0.07:
            add(
                RelationPlan(
                    ("E", i),
                    "relative",
                    rng.choice(_RELATIVE_NOTES),
                    declared(),
                    other=("E", rng.randrange(n_exam)),
                )
            )
        elif r < 0.11 and n_sup:
            add(
                RelationPlan(
                    ("E", i),
                    "teacher_student",
                    "曾为其授课教师",
                    declared(),
                    other=("S", rng.randrange(n_sup)),
                )
            )
        elif r < 0.13:
            add(
                RelationPlan(
                    ("E", i),
                    "master_apprentice",
                    "师带徒培养关系",
                    declared(),
                    other=("E", rng.randrange(n_exam)),
                )
            )
        elif r < 0.16:
            add(
                RelationPlan(
                    ("E", i), "employment", "在该机构任职", declared(), institution=rng.randrange(n_inst)
                )
            )


class _ExaminerIndex:
    """Examiners able to examine an occupation at a set of levels on given days (EXAM-2, EXAM-3)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.by_occupation: dict[str, list[int]] = {}
        self.valid_until = [e.valid_until for e in plan.examiners]
        for i, examiner in enumerate(plan.examiners):
            if examiner.lost:
                continue
            for code, _levels in examiner.scopes:
                self.by_occupation.setdefault(code, []).append(i)
        self.levels = [{code: set(levels) for code, levels in e.scopes} for e in plan.examiners]
        self._pools: dict[tuple[str, tuple[int, ...]], list[int]] = {}

    def team(
        self, rng: random.Random, code: str, levels: tuple[int, ...], first: dt.date, last: dt.date, size: int
    ) -> list[int]:
        key = (code, levels)
        pool = self._pools.get(key)
        if pool is None:
            wanted = set(levels)
            pool = [i for i in self.by_occupation.get(code, []) if wanted <= self.levels[i][code]]
            self._pools[key] = pool
        chosen: list[int] = []
        for _ in range(size * 8):
            if len(chosen) == size or not pool:
                break
            i = pool[rng.randrange(len(pool))]
            if i not in chosen and self.plan.examiners[i].issued_on <= first and self.valid_until[i] >= last:
                chosen.append(i)
        if len(chosen) % 2 == 0 and chosen:  # panels are odd-numbered (EXAM-13): 4 found → 3
            chosen.pop()
        return chosen


def _batches(plan: Plan, rng: random.Random, is_workday: Callable[[dt.date], bool]) -> None:
    today = plan.today
    window_end = today + dt.timedelta(days=plan.scale.months * 30)
    active = {f.institution: n for n, f in enumerate(plan.filings) if f.final_status == "active"}
    venues_of: dict[int, list[int]] = {}
    for n, venue in enumerate(plan.venues):
        venues_of.setdefault(venue.institution, []).append(n)
    kind_weight = {"social_org": 1.5, "tech_school": 1.2, "employer": 0.8}
    candidates = sorted(active)
    weights = [kind_weight[plan.institutions[i].kind] * rng.uniform(0.3, 1.7) for i in candidates]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    index = _ExaminerIndex(plan)
    occupation_ids = {code: n for n, code in enumerate(_all_occupation_codes())}
    workdays = [
        d
        for d in (today + dt.timedelta(days=k) for k in range(1, (window_end - today).days + 1))
        if is_workday(d)
    ]
    last_start = workdays[-2]
    specs: dict[int, list[registry_domain.FilingSpec]] = {}
    drafts: list[BatchPlan] = []
    for _ in range(plan.scale.batches):
        institution = (
            candidates[bisect.bisect(cumulative, rng.random() * total)]
            if len(candidates) > 1
            else candidates[0]
        )
        filing_no = active[institution]
        filing = plan.filings[filing_no]
        # A scope entry that starts later (added occupation) is usable only from its start date.
        scope = rng.choice([s for s in filing.scopes if (s.start_date or today) < last_start])
        span = rng.choice((1, 1, 2)) if len(scope.levels) > 1 else 1
        top = rng.randrange(len(scope.levels) - span + 1)
        levels = scope.levels[top : top + span]
        earliest = scope.start_date or today + dt.timedelta(days=1)
        k = rng.randrange(bisect.bisect_left(workdays, earliest), len(workdays) - 1)
        day = workdays[k]
        hour, minute = rng.choice(((8, 30), (9, 0), (13, 30), (14, 0)))
        starts_at = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
        if rng.random() < 0.25:  # theory one day, practical the next working day
            end_day = workdays[k + 1]
            ends_at = dt.datetime(end_day.year, end_day.month, end_day.day, 17, 0, tzinfo=TZ)
        else:
            ends_at = starts_at + dt.timedelta(hours=rng.choice((2, 3, 4)))
        venue = rng.choice(venues_of[institution])
        capacity = plan.venues[venue].capacity
        team = index.team(
            rng, scope.occupation, levels, starts_at.date(), ends_at.date(), 5 if rng.random() < 0.2 else 3
        )
        leader = next((e for e in team if plan.examiners[e].senior), team[0] if team else None)
        cancel = "机构申请延期,另行安排" if rng.random() < 0.005 else ""
        drafts.append(
            BatchPlan(
                "",
                institution,
                filing_no,
                scope.occupation,
                levels,
                starts_at,
                ends_at,
                venue,
                rng.randint(10, min(capacity, 120)),
                tuple(team),
                leader,
                cancel,
            )
        )
        # The plan is only as good as INST-3: check every batch with the registry's own rule.
        if filing_no not in specs:
            specs[filing_no] = [_filing_spec(filing_no, filing, occupation_ids)]
        registry_domain.check_batch_in_scope(
            registry_domain.BatchSpec(occupation_ids[scope.occupation], levels, starts_at, ends_at),
            specs[filing_no],
        )
    # Naive local times as the key: comparing aware datetimes asks the zone for offsets each time.
    drafts.sort(
        key=lambda b: (
            b.starts_at.replace(tzinfo=None),
            b.institution,
            b.occupation,
            b.levels,
            b.ends_at.replace(tzinfo=None),
        )
    )
    per_day: dict[dt.date, int] = {}
    for batch in drafts:
        day = batch.starts_at.date()
        per_day[day] = per_day.get(day, 0) + 1
        batch.code = registry_domain.batch_code(day, per_day[day])
    plan.batches = drafts


def _filing_spec(n: int, filing: FilingPlan, occupation_ids: dict[str, int]) -> registry_domain.FilingSpec:
    return registry_domain.FilingSpec(
        id=n,
        number=filing.number,
        status=filing.final_status,
        valid_from=filing.valid_from,
        valid_until=filing.valid_until,
        scopes=tuple(
            registry_domain.ScopeSpec(
                occupation_ids[s.occupation], s.levels, s.start_date or filing.valid_from
            )
            for s in filing.scopes
        ),
    )


def _users(plan: Plan) -> None:
    in_batches = {i for b in plan.batches for i in b.examiners}
    busy = {b.institution for b in plan.batches}
    institution = next(
        i for i, inst in enumerate(plan.institutions) if inst.kind == "social_org" and i in busy
    )
    external = next(
        j for j, s in enumerate(plan.supervisors) if s.kind == "external" and s.person is not None
    )
    internal = next(j for j, s in enumerate(plan.supervisors) if s.kind == "internal")
    examiner = min(in_batches) if in_batches else 0
    plan.users = [
        UserPlan("demo_admin", "", "演示超级管理员", superuser=True),
        UserPlan("demo_authority_admin", "authority_admin", "省中心管理员(演示)", authority=0),
        UserPlan(
            "demo_authority_staff", "authority_staff", f"{plan.cities[0][1]}中心工作人员(演示)", authority=1
        ),
        UserPlan(
            "demo_external_supervisor",
            "external_supervisor",
            plan.supervisors[external].person.name,
            authority=plan.supervisors[external].authority,
            person=("S", external),
        ),
        UserPlan(
            "demo_internal_supervisor",
            "internal_supervisor",
            plan.supervisors[internal].person.name,
            institution=plan.supervisors[internal].institution,
            person=("S", internal),
        ),
        UserPlan("demo_institution_admin", "institution_admin", "机构管理员(演示)", institution=institution),
        UserPlan(
            "demo_institution_staff", "institution_staff", "机构工作人员(演示)", institution=institution
        ),
        UserPlan("demo_examiner", "examiner", plan.examiners[examiner].person.name, person=("E", examiner)),
        # 三权分立 (SEC-2): the three platform administrators, without a data scope.
        UserPlan("demo_system_admin", "system_admin", "系统管理员(演示)"),
        UserPlan("demo_security_admin", "security_admin", "安全管理员(演示)"),
        UserPlan("demo_audit_admin", "audit_admin", "审计管理员(演示)"),
    ]


def build_plan(scale: str | Scale, seed: int, today: dt.date, is_workday: Callable[[dt.date], bool]) -> Plan:
    """The whole demo province for `scale` and `seed`, with batches on working days after `today`."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    plan = Plan(scale=scale, seed=seed, today=today, occupations=list(names.DEMO_OCCUPATIONS))
    _authorities(plan, _rng(seed, "authorities"))
    people = _People(_rng(seed, "people"), today)
    _institutions(plan, _rng(seed, "institutions"))
    _filings(plan, _rng(seed, "filings"))
    _venues(plan, _rng(seed, "venues"))
    _examiners(plan, _rng(seed, "examiners"), people)
    _supervisors(plan, _rng(seed, "supervisors"), people)
    _relations(plan, _rng(seed, "relations"), people)
    _batches(plan, _rng(seed, "batches"), is_workday)
    _users(plan)
    return plan
