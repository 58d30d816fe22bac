"""REN-5 seen early (issue 9 §3.2): the occupations a renewal would drop are shown at application, at
acceptance and on the evaluation page, and an application that would renew nothing is refused at
application and at acceptance instead of after the whole evaluation."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import ValidationFailed
from dudao.registry.models import Batch
from dudao.renewals import selectors, services
from dudao.renewals.domain import ScopeEntry
from dudao.renewals.models import RenewalApplication
from dudao.renewals.scope_forecast import check_scope_not_empty, forecast_scope

from .conftest import TODAY, VALID_UNTIL, D, add_batch, apply, counts, make_filing

A = ScopeEntry(1, "4-10-01-05", "养老护理员", "", (5, 4, 3))
B = ScopeEntry(2, "4-03-02-01", "中式烹调师", "中式烹调", (5, 4))
ALL = [
    {"occupation_code": e.occupation_code, "work_type": e.work_type, "levels": list(e.levels)} for e in (A, B)
]


# ------------------------------------------------------------------------------------------- pure rule
def test_forecast_drops_what_was_not_evaluated_and_keeps_the_rest():
    forecast = forecast_scope([A, B], ALL, held={A.key})
    assert [c.entry for c in forecast.dropped] == [B]
    assert [c.entry for c in forecast.kept] == [A]
    assert not forecast.empty
    check_scope_not_empty(forecast)  # one occupation left: no refusal


def test_forecast_is_empty_when_nothing_was_evaluated_and_refuses():
    forecast = forecast_scope([A, B], ALL, held=set())
    assert forecast.empty
    with pytest.raises(ValidationFailed) as exc:
        check_scope_not_empty(forecast)
    assert exc.value.code == "empty_renewed_scope"
    assert "认定范围为空" in exc.value.message
    assert "REN" not in exc.value.message


def test_a_scheduled_batch_keeps_the_entry_pending():
    forecast = forecast_scope([A, B], ALL, held=set(), scheduled={B.key})
    assert not forecast.empty
    assert [c.entry for c in forecast.pending] == [B]
    assert [c.entry for c in forecast.dropped] == [A]


def test_not_requested_entries_are_not_counted_as_dropped_for_inactivity():
    forecast = forecast_scope([A, B], ALL[:1], held={A.key, B.key})
    assert forecast.dropped == []
    assert [c.entry for c in forecast.kept] == [A]


def test_no_original_scope_is_not_refused_here():
    """An empty original scope is refused by the form checks, not by this rule."""
    assert not forecast_scope([], [], held=set()).empty


# ----------------------------------------------------------------------------------- with the database
@pytest.fixture
def bare_filing(institution, occupations):
    """A filing whose period saw no evaluation at all."""
    return make_filing(institution, occupations, number="赣人社鉴备〔2020〕77号")


def test_application_is_refused_early_when_nothing_would_remain(users, bare_filing, occupations):
    admin = users[Role.INSTITUTION_ADMIN]
    add_batch(bare_filing, occupations["A"], day=D("2023-05-20"), status="cancelled")
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        apply(admin, bare_filing)
    assert exc.value.code == "empty_renewed_scope"
    assert counts() == before


def test_application_with_one_evaluated_occupation_is_accepted(users, bare_filing, occupations):
    add_batch(bare_filing, occupations["C"], day=D("2023-05-20"))
    app = apply(users[Role.INSTITUTION_ADMIN], bare_filing)
    forecast = selectors.application_forecast(app, today=TODAY)
    assert [c.entry.occupation_name for c in forecast.kept] == ["电工"]
    assert {c.entry.occupation_name for c in forecast.dropped} == {"养老护理员", "中式烹调师"}


@pytest.mark.parametrize(("day", "refused"), [(VALID_UNTIL, False), (D("2025-01-01"), True)])
def test_a_batch_scheduled_up_to_the_expiry_day_counts(users, bare_filing, occupations, day, refused):
    """Boundary: a batch scheduled on the expiry day may still be held; the day after is too late."""
    add_batch(bare_filing, occupations["A"], day=day, status="planned")
    if refused:
        with pytest.raises(ValidationFailed):
            apply(users[Role.INSTITUTION_ADMIN], bare_filing)
    else:
        app = apply(users[Role.INSTITUTION_ADMIN], bare_filing)
        assert [
            c.entry.occupation_name for c in selectors.application_forecast(app, today=TODAY).pending
        ] == ["养老护理员"]


@pytest.mark.parametrize(("day", "refused"), [(D("2020-11-01"), False), (D("2020-10-31"), True)])
def test_a_batch_on_the_first_day_of_the_period_counts(users, bare_filing, occupations, day, refused):
    """Boundary: the period starts on the filing's first day; a batch the day before is outside it."""
    add_batch(bare_filing, occupations["A"], day=day)
    if refused:
        with pytest.raises(ValidationFailed):
            apply(users[Role.INSTITUTION_ADMIN], bare_filing)
    else:
        assert apply(users[Role.INSTITUTION_ADMIN], bare_filing).status == "submitted"


def test_acceptance_is_refused_when_the_only_batch_was_cancelled_since(users, bare_filing, occupations):
    batch = add_batch(bare_filing, occupations["A"], day=D("2024-11-20"), status="planned")
    app = apply(users[Role.INSTITUTION_ADMIN], bare_filing)
    Batch.objects.filter(pk=batch.pk).update(status="cancelled")
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.renewal_accept(
            actor=users[Role.AUTHORITY_STAFF], application=app, row_version=app.row_version
        )
    assert exc.value.code == "empty_renewed_scope"
    assert counts() == before
    assert RenewalApplication.objects.get(pk=app.pk).status == "submitted"


def test_acceptance_goes_ahead_while_something_remains(users, bare_filing, occupations):
    add_batch(bare_filing, occupations["A"], day=D("2024-03-20"))
    app = apply(users[Role.INSTITUTION_ADMIN], bare_filing)
    app = services.renewal_accept(
        actor=users[Role.AUTHORITY_STAFF], application=app, row_version=app.row_version
    )
    assert app.status == "under_review"


# ------------------------------------------------------------------------------------------------ pages
def _far(filing):
    import datetime as dt

    from django.utils import timezone

    from dudao.registry.models import Filing

    Filing.objects.filter(pk=filing.pk).update(valid_until=timezone.localdate() + dt.timedelta(days=120))
    filing.refresh_from_db()
    return filing


def test_apply_page_names_the_occupations_that_will_be_dropped(client_as, users, filing):
    html = (
        client_as(users[Role.INSTITUTION_ADMIN]).get(f"/renewals/apply/{_far(filing).pk}/").content.decode()
    )
    assert 'id="scope-forecast" data-forecast-empty="0"' in html
    dropped = html.split('data-forecast="dropped">')[1:]
    assert [d.split("</div>")[0].split("</i>")[1] for d in dropped] == ["电工"]


def test_apply_page_warns_when_nothing_would_remain(client_as, users, bare_filing):
    html = (
        client_as(users[Role.INSTITUTION_ADMIN])
        .get(f"/renewals/apply/{_far(bare_filing).pk}/")
        .content.decode()
    )
    assert 'data-forecast-empty="1"' in html
    assert "本次延续后认定范围将为空" in html


def test_detail_page_shows_the_forecast_to_the_authority(client_as, users, filing):
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    html = client_as(users[Role.AUTHORITY_STAFF]).get(f"/renewals/{app.pk}/").content.decode()
    assert (
        'id="scope-forecast"' in html
        and 'data-forecast="dropped"><i class="ti ti-circle-x text-red me-1"></i>电工' in html
    )


def test_evaluation_page_shows_the_forecast(client_as, users, filing, evaluators):
    from .conftest import open_evaluation

    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = open_evaluation(staff, app, evaluators)
    html = client_as(staff).get(f"/scorecards/{app.evaluation_id}/").content.decode()
    assert 'id="scope-forecast"' in html and "电工" in html
