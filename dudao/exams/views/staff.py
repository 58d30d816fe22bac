"""Staff pages (placeholder in this branch: the lead writes them on main)."""

from django.http import Http404


def _placeholder(request, *args, **kwargs):
    raise Http404("staff pages are written on main")


plan_list = plan_create = plan_detail = plan_edit = plan_step = registration_list = _placeholder
registration_export = fee_ledger_export = arrangement = session_add = room_add = seats = attendance = _placeholder
registration_detail = registration_review = registration_fee = registration_file = _placeholder
