"""Model factories for test set-up (direct ORM writes; behaviour under test goes through services)."""

from __future__ import annotations

import datetime as dt

import factory
from stdnum.cn import ric

from dudao.accounts.models import Role, User
from dudao.common import pii
from dudao.common.domain import mask_middle
from dudao.people import models as pm
from dudao.registry import models as rm


def make_resident_id(n: int, region: str = "360102", birth: str = "19850101") -> str:
    """A checksum-valid 18-digit resident ID: region + birth date + 3-digit sequence + check digit."""
    body = f"{region}{birth}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def current_version(obj, model=None) -> int:
    """The stored `row_version` of `obj` (an instance, or a pk of `model`): what a page or client read just
    before writing."""
    model = model or type(obj)
    return model.objects.values_list("row_version", flat=True).get(pk=getattr(obj, "pk", obj))


def make_uscc(n: int) -> str:
    """A checksum-valid unified social credit code (cn.uscc)."""
    from stdnum.cn import uscc

    body = f"91360100MA{n:07d}"[:17]
    return body + uscc.calc_check_digit(body)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.Region
        django_get_or_create = ("code",)

    code = "360000"
    name = "江西省"
    kind = "province"


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.Authority

    code = factory.Sequence(lambda n: f"AUTH{n:03d}")
    name = factory.Sequence(lambda n: f"测试鉴定中心{n}")
    region = factory.SubFactory(RegionFactory)
    card_issuer_code = "36"


class OccupationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.Occupation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"4-{n // 100 % 100:02d}-{n % 100:02d}-01")
    name = factory.Sequence(lambda n: f"测试职业{n}")
    verified = False


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.Institution

    name = factory.Sequence(lambda n: f"测试评价机构{n}")
    kind = rm.Institution.Kind.SOCIAL_ORG
    # far from the small numbers tests pick by hand (make_uscc(901) …): a long run never collides with them
    uscc = factory.Sequence(lambda n: make_uscc(n + 1_000_001))
    authority = factory.SubFactory(AuthorityFactory)
    region = factory.SelfAttribute("authority.region")


class FilingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.Filing

    institution = factory.SubFactory(InstitutionFactory)
    authority = factory.SelfAttribute("institution.authority")
    number = factory.Sequence(lambda n: f"BA-{n:06d}")
    valid_from = dt.date(2024, 1, 1)
    valid_until = dt.date(2028, 12, 31)
    status = rm.Filing.Status.ACTIVE


class FilingScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.FilingScope

    filing = factory.SubFactory(FilingFactory)
    occupation = factory.SubFactory(OccupationFactory)
    levels = factory.LazyFunction(lambda: [5, 4, 3])
    start_date = factory.SelfAttribute("filing.valid_from")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.Venue

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"考核场所{n}")
    room_count = 2
    capacity = 60
    camera_count = 4


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Person

    class Params:
        id_number = factory.Sequence(lambda n: make_resident_id(n + 1, birth="19900215"))

    name = factory.Sequence(lambda n: f"测试人员{n}")
    id_number_encrypted = factory.LazyAttribute(lambda o: pii.encrypt(o.id_number))
    id_number_index = factory.LazyAttribute(lambda o: pii.blind_index(o.id_number))
    id_number_masked = factory.LazyAttribute(lambda o: mask_middle(o.id_number, 6, 4))
    gender = factory.LazyAttribute(lambda o: "M" if int(o.id_number[16]) % 2 else "F")
    birth_date = factory.LazyAttribute(
        lambda o: dt.date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14]))
    )
    phone = "13800000000"


class SupervisorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Supervisor

    person = factory.SubFactory(PersonFactory)
    kind = pm.Supervisor.Kind.EXTERNAL
    authority = factory.SubFactory(AuthorityFactory)


class ExaminerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Examiner

    person = factory.SubFactory(PersonFactory)
    authority = factory.SubFactory(AuthorityFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Dudao#2026")
    display_name = factory.SelfAttribute("username")


def role_users(*, authority: rm.Authority, institution: rm.Institution) -> dict[str, User]:
    """One user for each role (keys: role values, 'superuser'); supervisors/examiner get a Person."""
    users: dict[str, User] = {
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
        Role.AUTHORITY_ADMIN: UserFactory(
            username="auth_admin", role=Role.AUTHORITY_ADMIN, authority=authority
        ),
        Role.AUTHORITY_STAFF: UserFactory(
            username="auth_staff", role=Role.AUTHORITY_STAFF, authority=authority
        ),
        Role.INSTITUTION_ADMIN: UserFactory(
            username="inst_admin", role=Role.INSTITUTION_ADMIN, institution=institution
        ),
        Role.INSTITUTION_STAFF: UserFactory(
            username="inst_staff", role=Role.INSTITUTION_STAFF, institution=institution
        ),
    }
    ext = SupervisorFactory(authority=authority)
    users[Role.EXTERNAL_SUPERVISOR] = UserFactory(
        username="ext_sup", role=Role.EXTERNAL_SUPERVISOR, person=ext.person, authority=authority
    )
    internal = SupervisorFactory(kind=pm.Supervisor.Kind.INTERNAL, authority=None, institution=institution)
    users[Role.INTERNAL_SUPERVISOR] = UserFactory(
        username="int_sup", role=Role.INTERNAL_SUPERVISOR, person=internal.person, institution=institution
    )
    examiner = ExaminerFactory(authority=authority)
    users[Role.EXAMINER] = UserFactory(username="examiner", role=Role.EXAMINER, person=examiner.person)
    return users


def restart_id_sequences(models) -> None:
    """PostgreSQL: each model's id sequence continues from its highest id (a rolled-back insert used
    numbers the next one would otherwise skip), so two writes of the same rows get the same ids."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            restart = "SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 0) + 1, false)"
            cursor.execute(f"{restart} FROM {table}", [table])
