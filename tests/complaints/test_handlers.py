"""Handlers of an accepted complaint with recusal (COMPL-2, checked like SUP-8): nobody complained about,
no user of the institution, nobody it employs or with a declared relation to it; refusals write nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.complaints import domain, handling
from dudao.complaints.models import ComplaintHandler
from dudao.people.models import Relation
from tests import factories as f
from tests.conftest import client_for

from .support import accepted, staff_of, version

API = "/api/v1/complaints"


@pytest.fixture
def admin(users):
    return staff_of(users, Role.AUTHORITY_ADMIN)


@pytest.fixture
def staff(users):
    return staff_of(users, Role.AUTHORITY_STAFF)


@pytest.fixture
def case(institution, admin):
    return accepted(institution, admin)


def authority_user(authority, name, **extra):
    return f.UserFactory(username=name, role=Role.AUTHORITY_STAFF, authority=authority, **extra)


def refused(admin, case, user, message):
    before = (version(case), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed, match=message):
        handling.complaint_handler_assign(actor=admin, complaint=case, user=user, row_version=before[0])
    assert (version(case), AuditEvent.objects.count()) == before
    assert not ComplaintHandler.objects.filter(complaint=case, user=user).exists()


def test_admin_assigns_a_handler_audited(admin, staff, case):
    handling.complaint_handler_assign(actor=admin, complaint=case, user=staff, row_version=2)
    assert list(case.handlers.values_list("user_id", flat=True)) == [staff.pk]
    assert version(case) == 3
    event = AuditEvent.objects.get(action="complaints.complaint.assign_handler")
    assert event.actor_id == admin.pk and event.after["handler_id"] == staff.pk
    assert "李四" not in json.dumps(event.after, ensure_ascii=False)
    with pytest.raises(Conflict):
        handling.complaint_handler_assign(actor=admin, complaint=case, user=staff, row_version=3)
    with pytest.raises(Conflict):  # stale version
        handling.complaint_handler_assign(actor=admin, complaint=case, user=admin, row_version=2)


def test_only_an_admin_assigns(staff, case, authority):
    other = authority_user(authority, "other_staff")
    with pytest.raises(PermissionDenied):
        handling.complaint_handler_assign(actor=staff, complaint=case, user=other, row_version=2)


def test_the_person_complained_about_is_recused(admin, case, authority):
    examiner = f.ExaminerFactory(authority=authority)
    candidate = authority_user(authority, "examiner_too", person=examiner.person)
    other = authority_user(authority, "clean")
    handling.complaint_set_concerned(actor=admin, complaint=case, examiners=[examiner.pk], row_version=2)
    refused(admin, case, candidate, domain.RECUSAL_CONCERNED)
    handling.complaint_handler_assign(actor=admin, complaint=case, user=other, row_version=3)  # other side


def test_a_supervisor_complained_about_is_recused(admin, case, authority):
    supervisor = f.SupervisorFactory(authority=authority)
    candidate = authority_user(authority, "supervisor_too", person=supervisor.person)
    handling.complaint_set_concerned(actor=admin, complaint=case, supervisors=[supervisor.pk], row_version=2)
    refused(admin, case, candidate, domain.RECUSAL_CONCERNED)


def test_a_user_of_the_institution_is_recused(admin, case, users):
    refused(admin, case, staff_of(users, Role.INSTITUTION_STAFF), domain.RECUSAL_INSTITUTION_USER)


def test_someone_employed_by_the_institution_is_recused(admin, case, authority, institution):
    person = f.PersonFactory(employer=institution)
    refused(admin, case, authority_user(authority, "employee", person=person), domain.RECUSAL_EMPLOYEE)
    elsewhere = f.PersonFactory(employer=None)
    handling.complaint_handler_assign(
        actor=admin,
        complaint=case,
        user=authority_user(authority, "not_employee", person=elsewhere),
        row_version=2,
    )


def test_a_declared_relation_recuses_and_a_withdrawn_one_does_not(admin, case, authority, institution):
    person = f.PersonFactory()
    relation = Relation.objects.create(
        person=person, kind="relative", institution=institution, declared_on=dt.date(2026, 1, 5)
    )
    candidate = authority_user(authority, "related", person=person)
    refused(admin, case, candidate, domain.RECUSAL_RELATION)
    relation.withdrawn_on = dt.date(2026, 6, 1)
    relation.save()
    handling.complaint_handler_assign(actor=admin, complaint=case, user=candidate, row_version=2)


def test_a_relation_with_a_staff_member_of_the_institution_recuses(admin, case, authority, institution):
    employee = f.PersonFactory(employer=institution)
    person = f.PersonFactory()
    Relation.objects.create(
        person=employee, kind="relative", other_person=person, declared_on=dt.date(2026, 1, 5)
    )
    refused(admin, case, authority_user(authority, "cousin", person=person), domain.RECUSAL_RELATION)


def test_a_user_outside_the_region_is_refused(admin, case, other_authority):
    outsider = authority_user(other_authority, "outsider")
    refused(admin, case, outsider, "所在地区人社部门")


def test_concerned_person_who_already_handles_is_refused(admin, case, authority):
    examiner = f.ExaminerFactory(authority=authority)
    handler = authority_user(authority, "handler", person=examiner.person)
    handling.complaint_handler_assign(actor=admin, complaint=case, user=handler, row_version=2)
    with pytest.raises(ValidationFailed, match="须先撤换"):
        handling.complaint_set_concerned(actor=admin, complaint=case, examiners=[examiner.pk], row_version=3)
    assert case.persons_concerned.count() == 0 and version(case) == 3
    handling.complaint_handler_remove(actor=admin, complaint=case, user=handler, row_version=3)
    handling.complaint_set_concerned(actor=admin, complaint=case, examiners=[examiner.pk], row_version=4)
    assert list(case.persons_concerned.all()) == [examiner.person]


def test_no_handlers_before_acceptance(admin, staff, institution):
    from .support import file

    complaint = file(institution)
    with pytest.raises(IllegalTransition):
        handling.complaint_handler_assign(actor=admin, complaint=complaint, user=staff, row_version=1)


def test_candidates_leave_out_the_recused(admin, staff, case, authority, institution):
    employee = authority_user(authority, "employee", person=f.PersonFactory(employer=institution))
    names = {u.pk for u in handling.handler_candidates(case)}
    assert staff.pk in names and admin.pk in names and employee.pk not in names


def test_assign_through_the_api(admin, staff, case, users):
    client = client_for(admin)
    url = f"{API}/{case.pk}/handlers"
    institution_user = staff_of(users, Role.INSTITUTION_STAFF)
    body = {"user": institution_user.pk, "row_version": 2}
    refusal = client.post(url, json.dumps(body), content_type="application/json")
    assert refusal.status_code == 422 and "回避" in refusal.json()["message"]
    done = client.post(url, json.dumps({"user": staff.pk, "row_version": 2}), content_type="application/json")
    assert done.status_code == 200 and [h["user"] for h in done.json()["handlers"]] == [staff.pk]
    stale = client.post(
        url, json.dumps({"user": admin.pk, "row_version": 2}), content_type="application/json"
    )
    assert stale.status_code == 409
    denied = client_for(staff).post(
        url, json.dumps({"user": admin.pk, "row_version": 3}), content_type="application/json"
    )
    assert denied.status_code == 403


def test_a_recused_admin_neither_acts_nor_sees_the_filer(admin, staff, case, authority, institution):
    """COMPL-2: identity protected and no part in the handling, even with the right to see people data."""
    employed = f.UserFactory(
        username="admin_employed",
        role=Role.AUTHORITY_ADMIN,
        authority=authority,
        person=f.PersonFactory(employer=institution),
    )
    from dudao.complaints import services

    with pytest.raises(PermissionDenied):
        services.complaint_filer(actor=employed, complaint=case)
    with pytest.raises(PermissionDenied):
        handling.complaint_handler_assign(actor=employed, complaint=case, user=staff, row_version=2)
    with pytest.raises(PermissionDenied):
        handling.complaint_investigate(actor=employed, complaint=case, row_version=2)
    # the complaint is not even listed for them (its text might reveal the filer)
    assert client_for(employed).get(f"/complaints/{case.pk}/").status_code == 404
    assert case.code not in client_for(employed).get("/complaints/").content.decode()
    assert client_for(employed).post(f"/complaints/{case.pk}/filer/").status_code == 404
    assert not AuditEvent.objects.filter(action="complaints.complaint.view_filer").exists()
    # the other side: an admin not related sees the filer, audited
    assert services.complaint_filer(actor=admin, complaint=case)["name"] == "李四"
    assert AuditEvent.objects.filter(action="complaints.complaint.view_filer", actor_id=admin.pk).count() == 1


def test_persons_concerned_must_be_in_scope(admin, case, authority, other_authority):
    outside = f.ExaminerFactory(authority=other_authority)
    with pytest.raises(ValidationFailed, match="不在管辖范围内"):
        handling.complaint_set_concerned(actor=admin, complaint=case, examiners=[outside.pk], row_version=2)
    inside = f.ExaminerFactory(authority=authority)
    handling.complaint_set_concerned(actor=admin, complaint=case, examiners=[inside.pk], row_version=2)
    assert list(case.persons_concerned.all()) == [inside.person]
    assert AuditEvent.objects.filter(action="complaints.complaint.set_concerned").count() == 1


def test_the_person_complained_about_does_not_read_the_complaint(admin, staff, case, authority):
    examiner = f.ExaminerFactory(authority=authority)
    named = authority_user(authority, "named", person=examiner.person)
    assert client_for(named).get(f"/complaints/{case.pk}/").status_code == 200  # before being named
    handling.complaint_set_concerned(actor=admin, complaint=case, examiners=[examiner.pk], row_version=2)
    assert client_for(named).get(f"/complaints/{case.pk}/").status_code == 404
    assert client_for(named).get(API).json()["count"] == 0
    assert client_for(staff).get(API).json()["count"] == 1  # the other side
