"""Page routes of the people app."""

from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("supervisors/", views.supervisor_list, name="supervisor_list"),
    path("supervisors/new/", views.supervisor_create, name="supervisor_create"),
    path("supervisors/import/", views.supervisor_import, name="supervisor_import"),
    path("supervisors/export/", views.supervisor_export, name="supervisor_export"),
    path("supervisors/<int:pk>/", views.supervisor_detail, name="supervisor_detail"),
    path("supervisors/<int:pk>/edit/", views.supervisor_edit, name="supervisor_edit"),
    path("supervisors/<int:pk>/status/", views.supervisor_status, name="supervisor_status"),
    path("supervisors/<int:pk>/cards/", views.supervisor_card_issue, name="supervisor_card_issue"),
    path("supervisors/<int:pk>/contracts/", views.supervisor_contract_add, name="supervisor_contract_add"),
    path("supervisor-cards/<int:pk>/status/", views.supervisor_card_status, name="supervisor_card_status"),
    path("supervisor-cards/<int:pk>/replace/", views.supervisor_card_replace, name="supervisor_card_replace"),
    path("examiners/", views.examiner_list, name="examiner_list"),
    path("examiners/new/", views.examiner_create, name="examiner_create"),
    path("examiners/import/", views.examiner_import, name="examiner_import"),
    path("examiners/export/", views.examiner_export, name="examiner_export"),
    path("examiners/<int:pk>/", views.examiner_detail, name="examiner_detail"),
    path("examiners/<int:pk>/edit/", views.examiner_edit, name="examiner_edit"),
    path("examiners/<int:pk>/status/", views.examiner_status, name="examiner_status"),
    path("examiners/<int:pk>/cards/", views.examiner_card_issue, name="examiner_card_issue"),
    path("examiner-cards/<int:pk>/status/", views.examiner_card_status, name="examiner_card_status"),
    path("examiner-cards/<int:pk>/replace/", views.examiner_card_replace, name="examiner_card_replace"),
    path("examiner-cards/<int:pk>/training/", views.examiner_card_training, name="examiner_card_training"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/import/", views.person_import, name="person_import"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/reveal-id/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/relations/", views.relation_add, name="relation_add"),
    path("relations/<int:pk>/withdraw/", views.relation_withdraw, name="relation_withdraw"),
]
