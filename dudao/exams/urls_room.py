"""Exam-day pages of a room: check-in on a phone (offline tolerant), room record, venue check."""

urlpatterns: list = []
