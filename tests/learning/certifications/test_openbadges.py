"""Open Badges 3.0 credentials and the pages around renewals: the JWKS and the VC-JWT
verified with PyJWT (a library the hub does not sign with), the structure checked against
the data model, revocation on the verification page, the chain on the certification page
and in the API."""

import stat
from pathlib import Path

import jwt
import pytest
import sqlalchemy as sa

from hub import db
from hub.accounts import service as accounts
from learning.certifications import openbadges
from learning.certifications import service as certifications
from learning.certifications.models import Certification
from learning.paths import progress
from learning.quizzes import attempts
from learning.quizzes.models import Quiz
from tests.conftest import post_form
from tests.learning.certifications.renewal_helpers import add_recert, expiring
from tests.learning.factories import certify, make_learning

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _verify(client, token: str) -> dict:
    """Check the VC-JWT's signature with the key published at /.well-known/jwks.json."""
    keys = client.get("/.well-known/jwks.json")
    assert keys.status_code == 200 and keys.mimetype == "application/json"
    header = jwt.get_unverified_header(token)
    jwk = next(k for k in keys.get_json()["keys"] if k["kid"] == header["kid"])
    key = jwt.PyJWK(jwk)
    return jwt.decode(token, key=key.key, algorithms=["EdDSA"])


def test_the_credential_is_a_signed_open_badge_verifiable_with_the_published_key(
    app, client, channel, session
):
    learning = make_learning()
    cert = certify(channel.people["partner_staff"], learning.foundation)
    response = client.get(f"/verify/{cert.credential_id}.jwt")  # public: nobody signed in
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    token = response.get_data(as_text=True)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt" and header["kid"]
    vc = _verify(client, token)
    assert vc["@context"] == [VC_V2, OB_V3]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"].endswith(f"/verify/{cert.credential_id}")
    assert vc["issuer"]["type"] == ["Profile"] and vc["issuer"]["name"]
    assert vc["issuer"]["id"].startswith("http")
    assert vc["validFrom"] == cert.valid_from.isoformat(timespec="seconds") + "Z"
    assert vc["validUntil"] == cert.valid_until.isoformat(timespec="seconds") + "Z"
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["identityHash"] == cert.person.name
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == learning.foundation.title
    assert {"id", "description", "criteria"} <= achievement.keys()
    assert achievement["criteria"]["narrative"]
    # Nothing else about the holder: no e-mail, no organisation.
    assert cert.person.email not in token and "Test Dealer" not in str(vc)
    # The key is the instance's, made once, readable by its owner only.
    key_file = Path(app.instance_path) / openbadges.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # A credential altered after signing does not verify.
    head, _body, signature = token.split(".")
    forged = openbadges._b64(
        openbadges.json.dumps({**vc, "validUntil": "2099-01-01T00:00:00Z"}).encode()
    )
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(client, f"{head}.{forged}.{signature}")


def test_a_revoked_credential_is_still_served_and_its_page_says_revoked(client, channel, session):
    cert = certify(channel.people["partner_staff"], make_learning().foundation)
    certifications.revoke(channel.people["program_admin"], cert, "Shared login.")
    token = client.get(f"/verify/{cert.credential_id}.jwt").get_data(as_text=True)
    assert _verify(client, token)["id"].endswith(cert.credential_id)
    page = client.get(f"/verify/{cert.credential_id}").get_data(as_text=True)
    assert "vstatus--revoked" in page and "revoked by its issuer" in page
    assert client.get("/verify/forged-credential-id.jwt").status_code == 404


def test_the_wallet_download_and_the_issuer_profile(client, login_as, session):
    staff = login_as("partner_staff")
    cert = certify(staff, make_learning().foundation)
    page = client.get(f"/learning/certifications/{cert.id}").get_data(as_text=True)
    assert f"/verify/{cert.credential_id}.jwt?download=1" in page
    download = client.get(f"/verify/{cert.credential_id}.jwt?download=1")
    assert "attachment" in download.headers["Content-Disposition"]
    issuer = client.get("/verify/issuer").get_json()
    assert issuer["type"] == ["Profile"]
    vc = _verify(client, download.get_data(as_text=True))
    assert vc["issuer"]["id"] == issuer["id"]


def test_the_holder_renews_on_the_page_and_sees_the_chain(client, login_as, session):
    staff = login_as("partner_staff")
    learning = make_learning()
    module = add_recert(learning.foundation)
    old = expiring(staff, learning.foundation, 30)
    url = f"/learning/certifications/{old.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Start the recertification" in page and "Renew now" not in page
    # Early "renew" (recertification not done): refused with a sentence, nothing made.
    refused = post_form(client, url + "/renew", token_page=url, follow_redirects=True)
    assert "pass its quiz first" in refused.get_data(as_text=True)
    # The module read and the quiz passed on another day's session, without renewing.
    progress.complete_module(staff, module)
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))
    attempt = attempts.start(staff, quiz)
    attempt.passed, attempt.submitted_at, attempt.score_percent = True, attempt.started_at, 100
    db.session.flush()
    assert "Renew now" in client.get(url).get_data(as_text=True)
    renewed = post_form(client, url + "/renew", token_page=url)
    assert renewed.status_code == 303
    new = db.session.scalar(sa.select(Certification).where(Certification.renews_id == old.id))
    assert renewed.headers["Location"].endswith(f"/learning/certifications/{new.id}")
    page = client.get(renewed.headers["Location"]).get_data(as_text=True)
    assert "History" in page and page.count('class="cstatus') >= 2
    assert "Starts later" in page and "(this one)" in page
    public = client.get(f"/verify/{new.credential_id}").get_data(as_text=True)
    assert "Renewed" in public and old.person.email not in public


def test_the_api_gives_a_chain_and_filters_by_grace(client, channel, session):
    staff = channel.people["partner_staff"]
    learning = make_learning()
    add_recert(learning.foundation)
    lapsed = expiring(staff, learning.foundation, -5)
    valid = expiring(staff, learning.professional, 100)
    token = accounts.create_api_token(channel.people["partner_admin"], "test").secret
    headers = {"Authorization": f"Bearer {token}"}
    graced = client.get("/api/v1/learning/certifications?status=in_grace", headers=headers)
    assert [c["id"] for c in graced.get_json()["data"]] == [lapsed.id]
    valid_only = client.get("/api/v1/learning/certifications?status=valid", headers=headers)
    assert [c["id"] for c in valid_only.get_json()["data"]] == [valid.id]
    chain = client.get(f"/api/v1/learning/certifications/{lapsed.id}/chain", headers=headers)
    assert chain.status_code == 200
    item = chain.get_json()["items"][0]
    assert item["status"] == "in_grace" and item["renews_id"] is None
    assert item["grace_until"] > item["valid_until"]
    outsider = accounts.create_api_token(channel.people["other_marketer"], "test").secret
    hidden = client.get(
        f"/api/v1/learning/certifications/{lapsed.id}/chain",
        headers={"Authorization": f"Bearer {outsider}"},
    )
    assert hidden.status_code == 404 and hidden.mimetype == "application/problem+json"
