"""Page routes of the workdays app."""

app_name = "workdays"
urlpatterns: list = []
