"""Reads of complaints, scoped by user (see permissions.py). The filer's contact is never read here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dudao.accounts.permissions import is_authority_user, is_superuser
from dudao.common.errors import NotFound
from dudao.people.models import Person, Relation
from dudao.registry.permissions import user_region_prefix

from .models import Complaint


def complaints_for(user: Any) -> QuerySet[Complaint]:
    """Superusers: all; the authority's users: institutions of their region and below; others: none."""
    qs = Complaint.objects.select_related("institution", "decided_by", "task", "penalty")
    qs = qs.defer("contact_name", "contact_phone")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_superuser(user):
        return qs
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return (
            _not_recused(qs.filter(institution__region__code__startswith=prefix), user)
            if prefix
            else qs.none()
        )
    return qs.none()


def _not_recused(qs: QuerySet[Complaint], user: Any) -> QuerySet[Complaint]:
    """COMPL-2: a person complained about, employed by the institution or with a declared relation to it
    does not read the complaint at all (the filer might be recognised from its text)."""
    if not user.person_id:
        return qs
    qs = qs.exclude(persons_concerned=user.person_id)
    employer = Person.objects.filter(pk=user.person_id).values_list("employer_id", flat=True).first()
    if employer:
        qs = qs.exclude(institution_id=employer)
    related = Relation.objects.filter(
        person_id=user.person_id, withdrawn_on__isnull=True, institution__isnull=False
    ).values("institution_id")
    return qs.exclude(institution_id__in=related)


def complaint_get(user: Any, pk: Any) -> Complaint:
    try:
        return complaints_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, Complaint.DoesNotExist):
        raise NotFound("投诉不存在或无权查看") from None
