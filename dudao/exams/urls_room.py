"""Exam-day pages of a room: check-in on a phone (offline tolerant), room record, venue check."""

from django.urls import path

from .views import conduct, room

urlpatterns = [
    path("rooms/<int:pk>/checkin/", room.room_checkin, name="room_checkin"),
    path("rooms/<int:pk>/checkin/lookup/", room.room_lookup, name="room_lookup"),
    path("rooms/<int:pk>/seats/", room.room_seats, name="room_seats"),
    path("rooms/<int:pk>/absences/", room.room_absences, name="room_absences"),
    path("rooms/<int:pk>/photo/<int:seat_pk>/", room.room_photo, name="room_photo"),
    path("rooms/<int:pk>/record/", room.room_record, name="room_record"),
    path("rooms/<int:pk>/examiners/", conduct.room_examiners, name="room_examiners"),
    path("duties/<int:pk>/attendance/", conduct.duty_attendance, name="duty_attendance"),
    path("duties/<int:pk>/excuse/", conduct.duty_excuse, name="duty_excuse"),
]
