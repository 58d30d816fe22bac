"""Page routes of the yearly cycle (ACT-6); appended to the `supervision` namespace by `urls.py`."""

from django.urls import path

from .views import annual_plans as v

urlpatterns = [
    path("annual-plans/", v.annual_plan_list, name="annual_plan_list"),
    path("annual-plans/new/", v.annual_plan_create, name="annual_plan_create"),
    path("annual-plans/<int:pk>/", v.annual_plan_detail, name="annual_plan_detail"),
    path("annual-plans/<int:pk>/edit/", v.annual_plan_edit, name="annual_plan_edit"),
    path("annual-plans/<int:pk>/publish/", v.annual_plan_publish, name="annual_plan_publish"),
    path("annual-plans/<int:pk>/correct/", v.annual_plan_correct, name="annual_plan_correct"),
    path("annual-plans/<int:pk>/plan.docx", v.annual_plan_docx, name="annual_plan_docx"),
    path("annual-plans/<int:pk>/plan.pdf", v.annual_plan_pdf, name="annual_plan_pdf"),
    path("annual-summaries/new/", v.annual_summary_generate, name="annual_summary_generate"),
    path("annual-summaries/<int:pk>/", v.annual_summary_detail, name="annual_summary_detail"),
    path("annual-summaries/<int:pk>/refresh/", v.annual_summary_refresh, name="annual_summary_refresh"),
    path("annual-summaries/<int:pk>/finalise/", v.annual_summary_finalise, name="annual_summary_finalise"),
    path("annual-summaries/<int:pk>/summary.docx", v.annual_summary_docx, name="annual_summary_docx"),
    path("annual-summaries/<int:pk>/summary.pdf", v.annual_summary_pdf, name="annual_summary_pdf"),
]
