"""Page routes of the supervision app."""

app_name = "supervision"
urlpatterns: list = []
