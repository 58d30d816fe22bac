"""Page routes of the workdays app."""

from django.urls import path

from . import views

app_name = "workdays"
urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("calculate/", views.calculate, name="calculate"),
    path("<int:year>/edit/", views.arrangement_edit, name="arrangement_edit"),
]
