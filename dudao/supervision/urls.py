"""Page routes of the supervision app (included at /supervision/); `public/…` needs no login (一公开)."""

from django.urls import path
from django.views.generic import RedirectView

from . import exports, views
from .urls_documents import urlpatterns as document_urlpatterns  # DOCX/PDF downloads of the papers
from .urls_plans import urlpatterns as plan_urlpatterns  # the yearly cycle (ACT-6)
from .views import surveys

app_name = "supervision"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="supervision:task_list"), name="home"),
    # draws (RAND-1/2)
    path("draws/", views.draw_list, name="draw_list"),
    path("draws/new/", views.draw_create, name="draw_create"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/edit/", views.draw_edit, name="draw_edit"),
    path("draws/<int:pk>/publish/", views.draw_publish, name="draw_publish"),
    path("draws/<int:pk>/run/", views.draw_run, name="draw_run"),
    path("draws/<int:pk>/lock/", views.draw_lock, name="draw_lock"),
    path("draws/<int:pk>/cancel/", views.draw_cancel, name="draw_cancel"),
    path("draws/<int:pk>/witnesses/", views.draw_witness_add, name="draw_witness_add"),
    path(
        "draws/<int:pk>/witnesses/<int:wid>/remove/",
        views.draw_witness_remove,
        name="draw_witness_remove",
    ),
    path(
        "draws/<int:pk>/witnesses/<int:wid>/reveal/",
        views.draw_witness_reveal,
        name="draw_witness_reveal",
    ),
    path("draws/<int:pk>/scenario.json", views.draw_scenario, name="draw_scenario"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", exports.coverage_export, name="coverage_export"),
    path("tasks/export/", exports.task_export, name="task_export"),
    path("opinions/export/", exports.opinion_export, name="opinion_export"),
    path("penalties/export/", exports.penalty_export, name="penalty_export"),
    # tasks (ACT-4, ACT-6)
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("my/tasks/", views.task_mine, name="task_mine"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/accept/", views.task_accept, name="task_accept"),
    path("tasks/<int:pk>/decline/", views.task_decline, name="task_decline"),
    path("tasks/<int:pk>/members/<int:member_id>/review/", views.member_review, name="member_review"),
    path("tasks/<int:pk>/members/<int:member_id>/replace/", views.member_replace, name="member_replace"),
    path("tasks/<int:pk>/start/", views.task_start, name="task_start"),
    path("tasks/<int:pk>/onsite/", views.onsite, name="onsite"),
    path("tasks/<int:pk>/onsite/findings/", views.finding_add, name="finding_add"),
    path("tasks/<int:pk>/onsite/findings/<int:finding_id>/", views.finding_update, name="finding_update"),
    path(
        "tasks/<int:pk>/onsite/findings/<int:finding_id>/delete/", views.finding_delete, name="finding_delete"
    ),
    path(
        "tasks/<int:pk>/onsite/findings/<int:finding_id>/evidence/",
        views.evidence_upload,
        name="evidence_upload",
    ),
    path(
        "tasks/<int:pk>/onsite/evidence/<int:evidence_id>/delete/",
        views.evidence_delete,
        name="evidence_delete",
    ),
    path("tasks/<int:pk>/report/", views.task_report, name="task_report"),
    path("tasks/<int:pk>/report/correct/", views.report_correct, name="report_correct"),
    path("tasks/<int:pk>/preliminary/", views.preliminary, name="preliminary"),
    path("tasks/<int:pk>/preliminary/send/", views.preliminary_send, name="preliminary_send"),
    path("tasks/<int:pk>/defence/", views.defence, name="defence"),
    path("tasks/<int:pk>/defence/close/", views.defence_close, name="defence_close"),
    path("tasks/<int:pk>/opinion/", views.opinion_issue, name="opinion_issue"),
    path("tasks/<int:pk>/rectification/order/", views.rectification_order, name="rectification_order"),
    path("tasks/<int:pk>/rectification/", views.rectification, name="rectification"),
    path(
        "tasks/<int:pk>/rectification/evidence/",
        views.rectification_evidence_upload,
        name="rectification_evidence_upload",
    ),
    path("tasks/<int:pk>/rectification/review/", views.rectification_review, name="rectification_review"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
    path("tasks/<int:pk>/escalate/", views.task_escalate, name="task_escalate"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/ratings/", views.task_rate, name="task_rate"),
    # survey after the task (QUAL-4) and the self-evaluation report of a special task (ACT-4)
    path("tasks/<int:pk>/survey/", surveys.task_survey, name="task_survey"),
    path("tasks/<int:pk>/self-evaluation/", surveys.task_self_evaluation, name="task_self_evaluation"),
    path(
        "tasks/<int:pk>/self-evaluation/files/<int:file_id>/",
        surveys.self_evaluation_file,
        name="self_evaluation_file",
    ),
    # opinions, penalties (INST-4)
    path("opinions/", views.opinion_list, name="opinion_list"),
    path("penalties/", views.penalty_list, name="penalty_list"),
    path("penalties/new/", views.penalty_create, name="penalty_create"),
    path("penalties/<int:pk>/", views.penalty_detail, name="penalty_detail"),
    path("penalties/<int:pk>/lift/", views.penalty_lift, name="penalty_lift"),
    # termination of a filing after a missed rectification (seed 004)
    path("terminations/", views.termination_list, name="termination_list"),
    path("terminations/<int:pk>/", views.termination_detail, name="termination_detail"),
    path("terminations/<int:pk>/statement/", views.termination_statement, name="termination_statement"),
    path("terminations/<int:pk>/decision/", views.termination_decide, name="termination_decide"),
    path("tasks/<int:pk>/terminate/", views.termination_start, name="termination_start"),
    # supervisors (SUP-9…11)
    path("supervisors/", views.performance, name="performance"),
    path("supervisors/<int:pk>/", views.supervisor_record, name="supervisor_record"),
    path("supervisors/<int:pk>/assessment/", views.assessment_decide, name="assessment_decide"),
    path("supervisors/<int:pk>/misconduct/", views.misconduct_add, name="misconduct_add"),
    path("supervisors/<int:pk>/renew/", views.supervisor_renew, name="supervisor_renew"),
    path("misconduct/<int:pk>/withdraw/", views.misconduct_withdraw, name="misconduct_withdraw"),
    path("settings/", views.policy, name="policy"),
    # public (一公开, no login)
    path("public/", views.public_draw_list, name="public_draw_list"),
    path("public/draws/<int:pk>/", views.public_draw_detail, name="public_draw_detail"),
    path("public/draws/<int:pk>/scenario.json", views.public_draw_scenario, name="public_draw_scenario"),
    path("public/draws/<int:pk>/result.json", views.public_draw_result, name="public_draw_result"),
    path("public/draws/<int:pk>/record.json", views.public_draw_record, name="public_draw_record"),
    path("public/draws/<int:pk>/verify/", views.public_draw_verify, name="public_draw_verify"),
    path("public/tasks/", views.public_task_list, name="public_task_list"),
    path("public/survey/", surveys.public_survey, name="public_survey"),
]
urlpatterns += document_urlpatterns
urlpatterns += plan_urlpatterns
