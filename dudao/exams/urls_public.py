"""Public pages (no login): notices, phone registration, a candidate's own registration."""

urlpatterns: list = []
