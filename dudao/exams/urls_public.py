"""Public pages (no login): notices, phone registration, a candidate's own registration."""

from django.urls import path

from .views import certificates_public, public

urlpatterns = [
    path("notices/", public.notice_list, name="notice_list"),
    path("notices/<int:pk>/", public.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/publicity/", public.publicity, name="publicity"),
    path("notices/<int:pk>/register/", public.register, name="register"),
    path("notices/<int:pk>/register/done/", public.register_done, name="register_done"),
    path("notices/<int:pk>/retake/", public.retake, name="retake"),
    path("my/", public.my_registration, name="my_registration"),
    path("certificates/", certificates_public.certificate_check, name="certificate_check"),
]
