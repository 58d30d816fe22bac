"""Page routes of evaluation operations (included at /exams/): staff pages here, the public pages
(notices, phone registration, a candidate's own registration) in urls_public, the exam-day room pages
(check-in, room record) in urls_room."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path

from .views import papers, results, rules, staff, uploads

app_name = "exams"
urlpatterns = [
    path("", staff.plan_list, name="plan_list"),
    path("new/", staff.plan_create, name="plan_create"),
    path("eligibility-rules/", rules.eligibility_rules, name="eligibility_rules"),
    path("question-policy/", rules.question_policy, name="question_policy"),
    path("<int:pk>/", staff.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", staff.plan_edit, name="plan_edit"),
    path("<int:pk>/step/<str:step>/", staff.plan_step, name="plan_step"),
    path("<int:pk>/registrations/", staff.registration_list, name="registration_list"),
    path("<int:pk>/registrations/export/", staff.registration_export, name="registration_export"),
    path("<int:pk>/registrations/import/", staff.roster_import, name="roster_import"),
    path("<int:pk>/fees/export/", staff.fee_ledger_export, name="fee_ledger_export"),
    path("<int:pk>/arrangement/", staff.arrangement, name="arrangement"),
    path("<int:pk>/arrangement/session/", staff.session_add, name="session_add"),
    path("<int:pk>/arrangement/room/<int:session_pk>/", staff.room_add, name="room_add"),
    path("<int:pk>/arrangement/seats/", staff.seats, name="seats"),
    path("<int:pk>/attendance/", staff.attendance, name="attendance"),
    path("<int:pk>/results/", results.results, name="results"),
    path("<int:pk>/results/publish/", results.results_publish, name="results_publish"),
    path("<int:pk>/certificates/issue/", results.certificates_issue, name="certificates_issue"),
    path("<int:pk>/objections/<int:objection_pk>/", results.objection_handle, name="objection_handle"),
    path("certificate/<str:number>/pdf/", results.certificate_download, name="certificate_pdf"),
    path("certificate/<str:number>/void/", results.certificate_void, name="certificate_void"),
    path("certificate-uploads/", uploads.batch_list, name="upload_list"),
    path("<int:pk>/certificate-uploads/export/", uploads.upload_export, name="upload_export"),
    path("certificate-uploads/<int:pk>/file/", uploads.upload_file, name="upload_file"),
    path("certificate-uploads/<int:pk>/receipt/", uploads.upload_receipt, name="upload_receipt"),
    path("certificate-uploads/<int:pk>/confirm/", uploads.upload_confirm, name="upload_confirm"),
    path("certificate-uploads/<int:pk>/reject/", uploads.upload_reject, name="upload_reject"),
    path("<int:pk>/violations/<int:violation_pk>/decide/", staff.violation_decide, name="violation_decide"),
    path("<int:pk>/assignment/", staff.assignment_generate, name="assignment_generate"),
    path("<int:pk>/assignment/step/<str:step>/", staff.assignment_step, name="assignment_step"),
    path("<int:pk>/assignment/staff/<int:staff_pk>/replace/", staff.staff_replace, name="staff_replace"),
    path("registrations/<int:pk>/", staff.registration_detail, name="registration_detail"),
    path("registrations/<int:pk>/review/", staff.registration_review, name="registration_review"),
    path("registrations/<int:pk>/fee/", staff.registration_fee, name="registration_fee"),
    path("registrations/<int:pk>/files/<int:file_pk>/", staff.registration_file, name="registration_file"),
    path("registrations/<int:pk>/ticket.<str:fmt>", login_required(papers.ticket), name="ticket"),
    path("<int:pk>/tickets.<str:fmt>", login_required(papers.plan_tickets), name="plan_tickets"),
    path("rooms/<int:pk>/seat-list.<str:fmt>", login_required(papers.seat_list), name="seat_list"),
    path("rooms/<int:pk>/room-record.<str:fmt>", login_required(papers.room_record), name="room_record_doc"),
    path("my/ticket.pdf", papers.my_ticket, name="my_ticket"),
    path("", include("dudao.exams.urls_public")),
    path("", include("dudao.exams.urls_room")),
]
