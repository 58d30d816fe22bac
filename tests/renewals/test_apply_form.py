"""The renewal form (issue 9 §3.6): numbering 六 → 七 → 八, every error listed with a link to its field,
chosen files kept across an error, drafts saved and reloaded."""

from __future__ import annotations

import re

import pytest

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.renewals import pending_files
from dudao.renewals.models import RenewalApplication, RenewalAttachment, RenewalDraft
from tests import factories as f

from .test_app_pages import _post_form, far_filing  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _url(filing) -> str:
    return f"/renewals/apply/{filing.pk}/"


def test_section_numbers_follow_the_seed_form(client_as, users, far_filing):  # noqa: F811
    html = client_as(users[Role.INSTITUTION_ADMIN]).get(_url(far_filing)).content.decode()
    titles = re.findall(r'<h3 class="card-title">([一二三四五六七八九])、', html)
    order = "一二三四五六七八九"
    assert sorted(set(titles), key=order.index) == list(order)
    assert (
        html.index("六、职业技能等级认定试题资源")
        < html.index("七、法人单位资格证书")
        < html.index("八、工作总结")
    )


def test_every_error_is_listed_with_a_link_to_its_field(client_as, users, far_filing):  # noqa: F811
    data = _post_form(far_filing, **{"commitment-accepted": "", "managers-0-id_number": "123"})
    del data["application_letter"]
    html = client_as(users[Role.INSTITUTION_ADMIN]).post(_url(far_filing), data).content.decode()
    summary = html.split('id="error-summary"')[1].split("</ol>")[0]
    links = re.findall(r'<a href="#([^"]+)" class="alert-link">', summary)
    assert "id_managers-0-id_number" in links
    assert "id_commitment-accepted" in links
    assert len(re.findall(r"<li>", summary)) >= 2
    for anchor in links:
        assert f'id="{anchor}"' in html, anchor


def test_an_upload_is_kept_across_an_error_and_used_on_resubmission(client_as, users, far_filing):  # noqa: F811
    client = client_as(users[Role.INSTITUTION_ADMIN])
    data = _post_form(far_filing, **{"commitment-accepted": ""})
    data["application_letter"] = f.pdf("盖章申请.pdf")
    html = client.post(_url(far_filing), data).content.decode()
    assert RenewalApplication.objects.count() == 0
    assert '已上传:<span class="dudao-kept-name">盖章申请.pdf</span>' in html
    token = re.search(r'name="pending-application_letter" value="([^"]+)"', html).group(1)
    again = _post_form(far_filing, **{"pending-application_letter": token})
    del again["application_letter"]
    response = client.post(_url(far_filing), again)
    assert response.status_code == 302
    (row,) = RenewalAttachment.objects.all()
    assert (row.material, row.kind, row.original_name) == ("application_letter", "pdf", "盖章申请.pdf")


def test_a_kept_file_reference_of_another_user_or_forged_is_ignored(users, institution, far_filing):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = users[Role.INSTITUTION_ADMIN]
    _, token = pending_files.stash(
        admin, SimpleUploadedFile("a.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")
    )
    other = f.UserFactory(username="other_admin", role=Role.INSTITUTION_ADMIN, institution=institution)
    assert pending_files.restore(admin, token) is not None
    assert pending_files.restore(other, token) is None
    assert pending_files.restore(admin, token[:-2] + "xx") is None
    assert pending_files.restore(admin, "garbage") is None


def test_draft_is_saved_reloaded_and_discarded_on_submission(client_as, users, far_filing):  # noqa: F811
    client = client_as(users[Role.INSTITUTION_ADMIN])
    data = {
        "summary-text": "写到一半的总结",
        "managers-0-name": "王主任",
        "action": "draft",
        "application_letter": f.pdf("草稿附件.pdf"),
    }
    response = client.post(_url(far_filing), data)
    assert response.status_code == 302 and response["Location"] == _url(far_filing)
    assert RenewalApplication.objects.count() == 0  # a draft is no application
    draft = RenewalDraft.objects.get()
    assert AuditEvent.objects.filter(action="renewals.draft.save").count() == 1
    html = client.get(_url(far_filing)).content.decode()
    assert 'id="draft-loaded"' in html
    assert "写到一半的总结" in html and 'value="王主任"' in html
    assert "草稿附件.pdf" in html
    token = re.search(r'name="pending-application_letter" value="([^"]+)"', html).group(1)
    final = _post_form(far_filing, **{"pending-application_letter": token})
    del final["application_letter"]
    assert client.post(_url(far_filing), final).status_code == 302
    assert not RenewalDraft.objects.filter(pk=draft.pk).exists()
    assert RenewalAttachment.objects.get().original_name == "草稿附件.pdf"


def test_draft_content_is_encrypted_at_rest(users, far_filing):  # noqa: F811
    from django.db import connection

    from dudao.renewals import drafts

    drafts.renewal_draft_save(
        actor=users[Role.INSTITUTION_ADMIN],
        filing=far_filing,
        fields={"managers-0-id_number": ["36010219850101123X"]},
        files={},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM renewals_renewaldraft")
        (raw,) = cursor.fetchone()
    assert "36010219850101123X" not in raw


def test_only_the_institution_admin_saves_a_draft(client_as, users, far_filing):  # noqa: F811
    response = client_as(users[Role.INSTITUTION_STAFF]).post(_url(far_filing), {"action": "draft"})
    assert response.status_code in (403, 404)
    assert RenewalDraft.objects.count() == 0


def test_discard_deletes_the_draft(client_as, users, far_filing):  # noqa: F811
    client = client_as(users[Role.INSTITUTION_ADMIN])
    client.post(_url(far_filing), {"summary-text": "x", "action": "draft"})
    assert RenewalDraft.objects.count() == 1
    assert client.post(_url(far_filing), {"action": "discard"}).status_code == 302
    assert RenewalDraft.objects.count() == 0
    assert 'id="draft-loaded"' not in client.get(_url(far_filing)).content.decode()
