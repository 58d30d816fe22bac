"""Download routes of the supervision papers; appended to the `supervision` namespace by `urls.py`
(no app_name here): ``supervision:task_report_docx`` … ``supervision:penalty_pdf``."""

from django.urls import path

from .views import documents as v

urlpatterns = [
    path("tasks/<int:pk>/report.docx", v.task_report_docx, name="task_report_docx"),
    path("tasks/<int:pk>/report.pdf", v.task_report_pdf, name="task_report_pdf"),
    path("opinions/<int:pk>/opinion.docx", v.opinion_docx, name="opinion_docx"),
    path("opinions/<int:pk>/opinion.pdf", v.opinion_pdf, name="opinion_pdf"),
    path("penalties/<int:pk>/notice.docx", v.penalty_docx, name="penalty_docx"),
    path("penalties/<int:pk>/notice.pdf", v.penalty_pdf, name="penalty_pdf"),
    path("terminations/<int:pk>/notice.docx", v.termination_docx, name="termination_docx"),
    path("terminations/<int:pk>/notice.pdf", v.termination_pdf, name="termination_pdf"),
]
