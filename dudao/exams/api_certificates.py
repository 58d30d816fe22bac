"""API of results, objections and certificates (issue 11), mounted at /api/v1 (the certificate paths of
the contract sit at the root: /api/v1/public/certificates, /api/v1/certificates). The same services as the
pages; scoped reads (selectors), out of scope → 404."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router, Status

from dudao.common.errors import NotFound
from dudao.common.pagination import paginate
from dudao.registry.selectors import institutions_for

from . import public_limits, selectors, services
from . import schemas_results as s
from .documents_certificate import certificate_pdf
from .domain.certificate_seal import public_key_pem, verify_seal
from .domain.results import LEVEL_NAMES
from .models import Certificate, ExamResult, Objection
from .selectors_certificates import certificate_get, certificates_for, public_lookup, search_certificates

router = Router(tags=["certificates"])


# ------------------------------------------------------------------------------------- public


def _public(cert: Certificate) -> dict:
    return {
        "number": cert.number,
        "name": cert.name,
        "id_number_masked": cert.id_number_masked,
        "occupation_code": cert.occupation_code,
        "occupation_name": cert.occupation_name,
        "level": cert.level,
        "level_label": LEVEL_NAMES.get(cert.level, str(cert.level)),
        "institution_name": cert.institution_name,
        "issued_on": cert.issued_on,
        "status": cert.status,
        "status_label": cert.get_status_display(),
        "voided_at": cert.voided_at.date() if cert.voided_at else None,
    }


@router.get(
    "/public/certificates",
    response=s.PublicCertificateList,
    auth=None,
    summary="公开:证书查询(姓名、身份证号、证书编号任填两项)",
)
def public_certificates(request, name: str = "", id_number: str = "", number: str = ""):
    public_limits.certificate_lookup(request)
    found = public_lookup(name=name[:64], id_number=id_number[:32], number=number[:32])
    return {"count": len(found), "items": [_public(c) for c in found]}


@router.get("/public/certificates/public-key", auth=None, summary="公开:证书二维码验签公钥(PEM)")
def public_key(request):
    return HttpResponse(
        public_key_pem(services.certificate_signing_key()), content_type="application/x-pem-file"
    )


@router.post("/public/certificates/verify", response=s.SealOut, auth=None, summary="公开:在线核验证书二维码")
def verify_qr(request, payload: s.SealIn):
    public_limits.certificate_lookup(request)
    verdict = verify_seal(payload.qr, services.certificate_signing_key().public_key())
    if not verdict.valid:
        return {"valid": False, "reason": verdict.reason or ""}
    status = Certificate.objects.filter(number=verdict.facts.number).values_list("status", flat=True).first()
    return {"valid": True, "facts": verdict.facts.as_json(), "status": status}


@router.post("/exams/my-result", response=s.OwnResultOut, auth=None, summary="考生查询本人成绩(公示后)")
def own_result(request, payload: s.OwnResultIn):
    public_limits.lookup(request)
    registration = services.find_own_registration(payload.number, payload.id_number)
    if registration is None:
        raise NotFound("报名号与身份证号不匹配,请核对")
    result = services.published_result(registration)
    if result is None:
        return {"published": False}
    cert = Certificate.objects.filter(registration=registration).first()
    return {
        "published": True,
        "passed": result.passed,
        "subjects": result.judged["subjects"],
        "objections_close_on": registration.plan.publication.objections_close_on,
        "certificate_number": cert.number if cert else None,
        "certificate_status": cert.status if cert else None,
    }


@router.post("/exams/my-result/objections", response={201: s.ObjectionOut}, auth=None, summary="考生申请复核")
def own_objection(request, payload: s.ObjectionIn):
    public_limits.lookup(request)
    registration = services.find_own_registration(payload.number, payload.id_number)
    if registration is None:
        raise NotFound("报名号与身份证号不匹配,请核对")
    return Status(
        201,
        services.objection_file(registration=registration, subject=payload.subject, reason=payload.reason),
    )


# ------------------------------------------------------------------------------------- staff


def _overseen(request, pk: int):
    """A plan the user oversees as a whole (not an examiner who only staffs a room): else 404."""
    plan = selectors.plan_get(request.user, pk)
    if not selectors.oversees(request.user, plan):
        raise NotFound()
    return plan


@router.post("/exams/plans/{int:pk}/results", response=s.RecordedOut, summary="登记成绩(按报名号)")
def record_results(request, pk: int, payload: s.ResultsIn):
    plan = selectors.plan_get(request.user, pk)
    return {"recorded": len(services.results_record(actor=request.user, plan=plan, entries=payload.entries))}


@router.get("/exams/plans/{int:pk}/results", response=s.ResultPage, summary="成绩列表")
def list_results(request, pk: int, page: int = 1, page_size: int = 50):
    plan = _overseen(request, pk)
    qs = ExamResult.objects.filter(registration__plan=plan).select_related("registration__person")
    return paginate(qs.order_by("registration__level", "registration__number"), page, page_size).as_dict()


@router.post("/exams/plans/{int:pk}/results/publish", response=s.PublicationOut, summary="公示成绩")
def publish_results(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    return services.results_publish(actor=request.user, plan=plan)


@router.post(
    "/exams/plans/{int:pk}/results/submit", response=s.ConfirmationOut, summary="提交认定中心确认成绩"
)
def submit_results(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    return services.results_submit(actor=request.user, plan=plan)


@router.post(
    "/exams/plans/{int:pk}/results/confirm", response=s.ConfirmationOut, summary="认定中心确认或退回成绩"
)
def confirm_results(request, pk: int, payload: s.ConfirmIn):
    plan = selectors.plan_get(request.user, pk)
    return services.results_confirm(
        actor=request.user, plan=plan, approve=payload.approve, reason=payload.reason
    )


@router.post("/exams/results-policy", response=s.ResultsPolicyOut, summary="设置本委派机构的成绩确认政策")
def set_results_policy(request, payload: s.ResultsPolicyIn):
    from dudao.common.errors import PermissionDenied

    authority = getattr(request.user, "authority", None)
    if authority is None:
        raise PermissionDenied("只有委派机构的管理员可以设置成绩确认政策")
    return services.results_policy_set(
        actor=request.user, authority=authority, confirm_required=payload.confirm_required, note=payload.note
    )


@router.get("/exams/plans/{int:pk}/objections", response=list[s.ObjectionOut], summary="复核申请列表")
def list_objections(request, pk: int):
    plan = _overseen(request, pk)
    return list(Objection.objects.filter(registration__plan=plan).select_related("registration"))


@router.post("/exams/objections/{int:pk}/handle", response=s.ObjectionOut, summary="处理复核申请")
def handle_objection(request, pk: int, payload: s.ObjectionHandleIn):
    objection = (
        Objection.objects.filter(pk=pk, registration__plan__in=selectors.plans_for(request.user))
        .select_related("registration")
        .first()
    )
    if objection is None:
        raise NotFound()
    return services.objection_handle(
        actor=request.user, objection=objection, outcome=payload.outcome, subject_marks=payload.subject_marks
    )


@router.post("/exams/plans/{int:pk}/certificates", response=s.IssuedOut, summary="向合格考生发证")
def issue_certificates(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    issued = services.certificates_issue(actor=request.user, plan=plan)
    return {"issued": len(issued), "numbers": [c.number for c in issued]}


@router.get("/certificates", response=s.CertificatePage, summary="证书列表(本人范围)")
def list_certificates(request, filters: Query[s.CertificateFilters]):
    qs = search_certificates(
        certificates_for(request.user),
        q=filters.q,
        number=filters.number,
        name=filters.name,
        status=filters.status,
        plan=filters.plan,
    )
    return paginate(qs.order_by("number"), filters.page, filters.page_size).as_dict()


@router.get("/certificates/{number}", response=s.CertificateOut, summary="证书详情")
def get_certificate(request, number: str):
    return certificate_get(request.user, number)


@router.get("/certificates/{number}/pdf", summary="证书 PDF(含签名二维码)")
def get_certificate_pdf(request, number: str):
    cert = certificate_get(request.user, number)
    response = HttpResponse(certificate_pdf(cert), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.number}.pdf"'
    return response


@router.post("/certificates/{number}/void", response=s.CertificateOut, summary="注销证书(发证机构,写明原因)")
def void_certificate(request, number: str, payload: s.VoidIn):
    cert = certificate_get(request.user, number)
    return services.certificate_void(
        actor=request.user, certificate=cert, reason=payload.reason, row_version=payload.row_version
    )


@router.post("/certificate-issuers", response=s.IssuerOut, summary="设置评价机构的证书编码(备案机关)")
def set_issuer(request, payload: s.IssuerIn):
    institution = institutions_for(request.user).filter(pk=payload.institution).first()
    if institution is None:
        raise NotFound("评价机构不存在或无权查看")
    return services.certificate_issuer_set(
        actor=request.user,
        institution=institution,
        kind=payload.kind or None,
        ministry=payload.ministry,
        serial=payload.serial,
    )
