"""Page routes of the scorecards app."""

app_name = "scorecards"
urlpatterns: list = []
