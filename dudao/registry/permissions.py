"""Who may read and write the registry (matrix in docs/permissions-registry.md).

Reads are scoped by selectors (region prefix / own institution); these predicates decide writes on an
object the user can already see. Objects take the institution (or authority) they belong to.
"""

from __future__ import annotations

import rules

from dudao.accounts.permissions import (
    is_authority_admin,
    is_authority_user,
    is_institution_admin,
    is_institution_user,
    is_superuser,
    is_system_admin,
    region_prefix,
)

# Fields an institution admin may change on their own institution.
INSTITUTION_CONTACT_FIELDS = frozenset(
    {
        "address",
        "contact_name",
        "contact_phone",
        "legal_representative",
        # the published complaint channel (COMPL-1; FORM-B C2.2)
        "complaint_phone",
        "complaint_mailbox",
        "complaint_email",
        "complaint_page_url",
    }
)


def user_region_prefix(user) -> str | None:
    """region_prefix(user), cached on the user object for the request (it costs two queries)."""
    if not hasattr(user, "_registry_region_prefix"):
        try:
            user._registry_region_prefix = region_prefix(user)
        except AttributeError:  # AnonymousUser has no authority
            user._registry_region_prefix = None
    return user._registry_region_prefix


def _institution_of(obj):
    """The institution an object belongs to (institution itself, filing, scope, venue, batch)."""
    if obj is None:
        return None
    if obj.__class__.__name__ == "Institution":
        return obj
    if obj.__class__.__name__ == "FilingScope":
        return obj.filing.institution
    return getattr(obj, "institution", None)


def _region_covered(user, region_code: str | None) -> bool:
    prefix = user_region_prefix(user)
    return bool(prefix is not None and region_code and region_code.startswith(prefix))


@rules.predicate
def authority_covers_object(user, obj) -> bool:
    """An authority user whose region contains the object's institution (or authority) region."""
    if not is_authority_user(user) or obj is None:
        return False
    if obj.__class__.__name__ == "Authority":
        return _region_covered(user, obj.region_id)
    institution = _institution_of(obj)
    return institution is not None and _region_covered(user, institution.region_id)


@rules.predicate
def is_own_institution(user, obj) -> bool:
    """An institution user acting on their own institution's objects."""
    institution = _institution_of(obj)
    return bool(
        is_institution_user(user) and institution is not None and institution.pk == user.institution_id
    )


@rules.predicate
def is_own_institution_admin(user, obj) -> bool:
    institution = _institution_of(obj)
    return bool(
        is_institution_admin(user) and institution is not None and institution.pk == user.institution_id
    )


# Registers (institutions, filings, scopes): the authority that oversees the region.
can_manage_register = is_superuser | (is_authority_user & authority_covers_object)
# Operations (venues, batches): the institution itself, or the authority.
can_manage_operations = can_manage_register | is_own_institution
# Catalogue-like data (occupations) and authorities: superuser and authority admins.
can_manage_catalogue = is_superuser | is_authority_admin
can_manage_authority = is_superuser | (is_authority_admin & authority_covers_object)
can_create_register = is_superuser | is_authority_user
can_create_operations = is_superuser | is_authority_user | is_institution_user

rules.add_perm("registry.add_institution", can_create_register)
rules.add_perm("registry.change_institution", can_manage_register)
rules.add_perm("registry.change_institution_contact", can_manage_register | is_own_institution_admin)
rules.add_perm("registry.add_filing", can_manage_register)
rules.add_perm("registry.change_filing", can_manage_register)
rules.add_perm("registry.add_filingscope", can_manage_register)
rules.add_perm("registry.change_filingscope", can_manage_register)
rules.add_perm("registry.add_venue", can_manage_operations)
rules.add_perm("registry.change_venue", can_manage_operations)
rules.add_perm("registry.add_batch", can_manage_operations)
rules.add_perm("registry.change_batch", can_manage_operations)
# The occupation catalogue is reference data: the system administrator keeps it too (SEC-2 三权分立).
rules.add_perm("registry.add_occupation", can_manage_catalogue | is_system_admin)
rules.add_perm("registry.change_occupation", can_manage_catalogue | is_system_admin)
rules.add_perm("registry.add_authority", can_manage_catalogue)
rules.add_perm("registry.change_authority", can_manage_authority)
rules.add_perm("registry.import_region", can_manage_catalogue)
# Page-level (no object): may this user see the create buttons at all.
rules.add_perm("registry.create_institution", can_create_register)
rules.add_perm("registry.create_operations", can_create_operations)
rules.add_perm("registry.view_registry", is_superuser | is_authority_user | is_institution_user)
