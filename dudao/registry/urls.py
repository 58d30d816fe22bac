"""Page routes of the registry app (mounted at /registry/)."""

from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/new/", views.institution_create, name="institution_create"),
    path("institutions/import/", views.institution_import, name="institution_import"),
    path("institutions/export/", views.institution_export, name="institution_export"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("filings/", views.filing_list, name="filing_list"),
    path("filings/new/", views.filing_create, name="filing_create"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("filings/<int:pk>/edit/", views.filing_edit, name="filing_edit"),
    path("filings/<int:pk>/status/", views.filing_status, name="filing_status"),
    path("filings/<int:pk>/scopes/new/", views.filing_scope_add, name="filing_scope_add"),
    path("scopes/<int:pk>/end/", views.scope_end, name="scope_end"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_create, name="batch_create"),
    path("batches/export/", views.batch_export, name="batch_export"),
    path("batches/examiners/", views.batch_examiner_search, name="batch_examiner_search"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/edit/", views.batch_edit, name="batch_edit"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("venues/", views.venue_list, name="venue_list"),
    path("venues/new/", views.venue_create, name="venue_create"),
    path("venues/import/", views.venue_import, name="venue_import"),
    path("venues/<int:pk>/edit/", views.venue_edit, name="venue_edit"),
    path("occupations/", views.occupation_list, name="occupation_list"),
    path("occupations/new/", views.occupation_create, name="occupation_create"),
    path("occupations/import/", views.occupation_import, name="occupation_import"),
    path("occupations/export/", views.occupation_export, name="occupation_export"),
    path("occupations/<int:pk>/edit/", views.occupation_edit, name="occupation_edit"),
    path("authorities/", views.authority_list, name="authority_list"),
    path("regions/", views.region_list, name="region_list"),
    path("regions/import/", views.region_import, name="region_import"),
]
