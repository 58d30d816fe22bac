"""Page routes of the message centre."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("latest/", views.bell_dropdown, name="dropdown"),
    path("<int:message_id>/read/", views.mark_read, name="mark_read"),
    path("<int:message_id>/open/", views.open_message, name="open"),
]
