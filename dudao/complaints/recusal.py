"""Who may take no part in a complaint's handling (COMPL-2: people complained about; checked like SUP-8)."""

from __future__ import annotations

from typing import Any

from dudao.people.selectors import active_relations

from . import domain


def recusal_problems(user: Any, complaint: Any) -> list[str]:
    """COMPL-2 recusal, the SUP-8 way: a person the complaint names, a user of the institution, someone
    it employs, or anyone with a declared relation (people.selectors.active_relations, as the supervision
    eligibility check) with the institution, its staff or the persons concerned."""
    concerned = set(complaint.persons_concerned.values_list("pk", flat=True))
    person = user.person if user.person_id else None
    declared = False
    if person is not None:
        employees = set(complaint.institution.employees.values_list("pk", flat=True))
        declared = active_relations(
            [person.pk],
            other_person_ids=sorted((employees | concerned) - {person.pk}),
            institution_ids=[complaint.institution_id],
        ).exists()
    return domain.handler_problems(
        concerned=person is not None and person.pk in concerned,
        institution_user=user.institution_id == complaint.institution_id,
        employee=person is not None and person.employer_id == complaint.institution_id,
        declared_relation=declared,
    )
