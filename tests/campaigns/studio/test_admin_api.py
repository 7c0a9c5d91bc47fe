"""The brand-kit API: the program admin lists every template with who used it and
publishes one (a failing sample preview is a 422 with the sentence); other roles get a
problem-JSON 403; the operations are in the OpenAPI document."""

from __future__ import annotations

import sqlalchemy as sa

from campaigns.demo import studio as studio_demo
from campaigns.studio import usage
from campaigns.studio.models import ForbiddenWord, UsageAction
from hub import db
from hub.accounts import service as accounts
from hub.models import AuditEvent


def _token(person) -> dict:
    return {"Authorization": f"Bearer {accounts.create_api_token(person, 'studio').secret}"}


def test_the_admin_lists_templates_with_their_users_and_publishes_one(app, client, channel):
    templates = studio_demo.install()
    usage.record(
        channel.people["dealer_marketer"],
        usage.IMAGE,
        templates[0].key,
        UsageAction.DOWNLOAD,
        "png",
    )
    templates[1].published = False
    db.session.commit()
    admin = _token(channel.people["program_admin"])
    listed = client.get("/api/v1/studio/templates", headers=admin)
    assert listed.status_code == 200
    by_key = {t["key"]: t for t in listed.json["data"]}
    assert by_key["harvest-square"]["uses"][0]["organization"]["name"] == channel.dealer.name
    assert by_key["harvest-square"]["uses"][0]["downloads"] == 1
    assert by_key["dealer-intro"]["kind"] == "deck" and by_key["dealer-intro"]["id"] is None
    assert by_key[templates[1].key]["published"] is False

    url = f"/api/v1/studio/templates/{templates[1].id}/publish"
    done = client.post(url, json={"published": True}, headers=admin)
    assert done.status_code == 200 and done.json["published"] is True
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "studio.template_published")
    )
    db.session.add(ForbiddenWord(word="ready"))  # the harvest template's default headline
    db.session.commit()
    refused = client.post(
        f"/api/v1/studio/templates/{templates[0].id}/unused", json={}, headers=admin
    )
    assert refused.status_code == 404
    client.post(
        f"/api/v1/studio/templates/{templates[0].id}/publish",
        json={"published": False},
        headers=admin,
    )
    again = client.post(
        f"/api/v1/studio/templates/{templates[0].id}/publish",
        json={"published": True},
        headers=admin,
    )
    assert again.status_code == 422
    assert again.mimetype == "application/problem+json"
    assert "preview with the sample dealer fails" in again.get_data(as_text=True)
    bad = client.post(url, json={"published": "yes"}, headers=admin)
    assert bad.status_code == 422


def test_other_roles_get_a_403_problem(app, client, channel):
    studio_demo.install()
    db.session.commit()
    answer = client.get(
        "/api/v1/studio/templates", headers=_token(channel.people["dealer_marketer"])
    )
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/studio/templates"]
    assert "post" in paths["/api/v1/studio/templates/{template_id}/publish"]
