"""Page routes of the renewals app."""

app_name = "renewals"
urlpatterns: list = []
