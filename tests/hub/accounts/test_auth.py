"""Sign-in, sign-out, rate limiting, two-factor, password reset and invitations."""

import functools
import re

import pyotp
import sqlalchemy as sa

from hub.accounts import service as accounts
from hub.models import AuditEvent, LoginAttempt, LoginSession, OutboxMail, Person
from tests.conftest import TEST_PASSWORD, csrf_token, post_form, sign_in


def login(client, email, password=TEST_PASSWORD, **kw):
    return post_form(client, "/login", {"email": email, "password": password}, **kw)


def test_sign_in_with_the_right_password_opens_the_dashboard(client, channel):
    person = channel.people["dealer_marketer"]
    response = login(client, person.email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert person.name.split()[0] in page.get_data(as_text=True)


def test_sign_in_rotates_the_session(client, channel, session):
    person = channel.people["dealer_marketer"]
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    login(client, person.email)
    with client.session_transaction() as s:
        assert "planted" not in s
        token = s["_user_id"]
    row = session.scalar(sa.select(LoginSession).where(LoginSession.person_id == person.id))
    assert row is not None and row.token_hash != token  # only the hash is stored


def test_wrong_password_keeps_the_email_and_says_what_is_wrong(client, channel, session):
    person = channel.people["dealer_marketer"]
    response = login(client, person.email, "not the password")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "don&#39;t match an active account" in text or "don't match an active account" in text
    assert f'value="{person.email}"' in text
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 1
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.login_failed"))


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, channel):
    wrong = login(client, channel.people["dealer_marketer"].email, "not the password")
    unknown = login(client, "nobody@nowhere.example", "not the password")
    assert wrong.status_code == unknown.status_code == 422
    assert "active account" in unknown.get_data(as_text=True)


def test_too_many_failures_lock_the_account_for_a_while(client, channel, app):
    person = channel.people["partner_staff"]
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, person.email, "wrong password!")
    response = login(client, person.email)  # even the right password is refused now
    assert response.status_code == 429
    assert "Too many failed sign-ins for this account" in response.get_data(as_text=True)


def test_too_many_failures_from_one_address_are_refused(client, channel, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        login(client, f"guess{i}@nowhere.example", "wrong password!")
    response = login(client, channel.people["partner_staff"].email)
    assert response.status_code == 429
    assert "from your network" in response.get_data(as_text=True)


def test_deactivated_person_cannot_sign_in(client, channel, session):
    person = channel.people["partner_staff"]
    person.active = False
    session.flush()
    assert login(client, person.email).status_code == 422


def test_sign_out_ends_the_session_for_good(client, channel, session):
    person = channel.people["dealer_marketer"]
    login(client, person.email)
    with client.session_transaction() as s:
        stolen = dict(s)  # a copy of the cookie someone could have kept
    assert post_form(client, "/logout", token_page="/").status_code == 303
    with client.session_transaction() as s:
        s.update(stolen)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.logout"))


def test_pages_need_sign_in(client):
    response = client.get("/organizations")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_next_parameter_only_follows_local_paths(client, channel):
    person = channel.people["dealer_marketer"]
    token = csrf_token(client, "/login?next=https://evil.example/")
    response = client.post(
        "/login?next=//evil.example/",
        data={"email": person.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, channel, session):
    person = channel.people["dealer_marketer"]
    sign_in(client, person)
    before = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = client.post("/settings", data={"name": "Changed", "timezone": "UTC"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    session.refresh(person)
    assert person.name != "Changed"
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_htmx_posts_carry_the_token_in_a_header(client, channel, session):
    person = channel.people["dealer_marketer"]
    sign_in(client, person)
    token = csrf_token(client, "/")
    from hub import notifications

    note = notifications.notify(person.id, "test", "hello")
    response = client.post(
        f"/notifications/{note.id}/read", headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.status_code == 303
    session.refresh(note)
    assert note.read_at is not None


# --- Two-factor ----------------------------------------------------------------


def _enable_totp(session, person):
    secret = pyotp.random_base32()
    person.totp_secret, person.totp_enabled, person.totp_last_step = secret, True, 0
    session.flush()
    return pyotp.TOTP(secret)


def test_two_factor_asks_for_a_code_and_each_code_works_once(client, channel, session, app):
    person = channel.people["channel_manager"]
    totp = _enable_totp(session, person)
    response = login(client, person.email)
    assert response.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302  # not signed in yet
    code = totp.now()
    assert (
        post_form(
            client, "/login/code", {"code": "000000" if code != "000000" else "111111"}
        ).status_code
        == 422
    )
    assert post_form(client, "/login/code", {"code": code}).status_code == 303
    assert client.get("/").status_code == 200
    # The same code again, in a new sign-in, is refused.
    post_form(client, "/logout", token_page="/")
    login(client, person.email)
    again = post_form(client, "/login/code", {"code": code})
    assert again.status_code == 422
    assert "used already" in again.get_data(as_text=True)


def test_role_that_must_use_two_factor_is_sent_to_set_it_up(client, channel, session):
    accounts.set_mfa_required_roles(channel.people["program_admin"], ["dealer_marketer"])
    person = channel.people["dealer_marketer"]
    sign_in(client, person)
    response = client.get("/organizations")
    assert response.status_code == 303 and response.headers["Location"] == "/settings/two-factor"
    page = client.get("/settings/two-factor")
    assert page.status_code == 200
    secret = re.search(r'<code class="mono">([A-Z2-7]+)</code>', page.get_data(as_text=True)).group(
        1
    )
    done = post_form(client, "/settings/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 303
    assert client.get("/organizations").status_code == 200
    session.refresh(person)
    assert person.totp_enabled


# --- Password reset ----------------------------------------------------------------


def _link_from_last_mail(session, to):
    mail = session.scalars(
        sa.select(OutboxMail).where(OutboxMail.to == to).order_by(OutboxMail.id.desc())
    ).first()
    assert mail is not None
    return re.search(r"https?://\S+", mail.body).group(0).replace("http://hub.test", "")


def test_password_reset_link_works_once_and_signs_out_other_sessions(client, app, channel, session):
    person = channel.people["partner_staff"]
    other_device = app.test_client()
    sign_in(other_device, person)
    assert other_device.get("/").status_code == 200

    response = post_form(client, "/password/forgot", {"email": person.email.upper()})
    assert response.status_code == 303
    link = _link_from_last_mail(session, person.email)
    new_password = "tractor season starts early"
    done = post_form(client, link, {"password": new_password, "confirm": new_password})
    assert done.status_code == 303
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302  # signed out by the reset
    assert client.get(link).status_code == 410  # spent


def test_password_reset_for_unknown_email_sends_nothing_and_says_the_same(client, session):
    response = post_form(client, "/password/forgot", {"email": "nobody@nowhere.example"})
    assert response.status_code == 303
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0


def test_weak_new_password_is_refused_with_a_reason(client, channel, session):
    person = channel.people["partner_staff"]
    post_form(client, "/password/forgot", {"email": person.email})
    link = _link_from_last_mail(session, person.email)
    response = post_form(client, link, {"password": "password1234", "confirm": "password1234"})
    assert response.status_code == 422
    assert "most common" in response.get_data(as_text=True)
    short = post_form(client, link, {"password": "short", "confirm": "short"})
    assert "at least 12 characters" in short.get_data(as_text=True)


def test_expired_reset_link_is_refused(client, channel, session):
    from datetime import timedelta

    from hub.models import AccountToken

    person = channel.people["partner_staff"]
    post_form(client, "/password/forgot", {"email": person.email})
    link = _link_from_last_mail(session, person.email)
    row = session.scalar(sa.select(AccountToken).where(AccountToken.person_id == person.id))
    row.expires_at = row.created_at - timedelta(minutes=1)
    session.flush()
    response = client.get(link)
    assert response.status_code == 410
    assert "expired or was used already" in response.get_data(as_text=True)


# --- Invitations ---------------------------------------------------------------------


def test_partner_admin_invites_a_colleague_who_joins_with_a_password(client, app, channel, session):
    admin = channel.people["partner_admin"]
    sign_in(client, admin)
    response = post_form(
        client,
        f"/organizations/{channel.dealer.id}/invite",
        {"name": "Nina Holt", "email": "Nina@Dealer.example", "role": "dealer_marketer"},
    )
    assert response.status_code == 303
    invited = session.scalar(sa.select(Person).where(Person.email == "nina@dealer.example"))
    assert invited.password_hash is None and invited.organization_id == channel.dealer.id
    assert session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "person.invited", AuditEvent.object_id == str(invited.id)
        )
    )

    newcomer = app.test_client()
    link = _link_from_last_mail(session, "nina@dealer.example")
    page = newcomer.get(link)
    assert "Welcome, Nina Holt" in page.get_data(as_text=True)
    password = "green fields all summer"
    assert post_form(newcomer, link, {"password": password, "confirm": password}).status_code == 303
    assert newcomer.get("/").status_code == 200
    assert newcomer.get(link).status_code == 410


def test_invite_form_keeps_input_and_explains_problems(client, channel):
    sign_in(client, channel.people["partner_admin"])
    response = post_form(
        client,
        f"/organizations/{channel.dealer.id}/invite",
        {"name": "", "email": channel.people["dealer_marketer"].email, "role": "program_admin"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the person&#39;s name." in text or "Enter the person's name." in text
    assert channel.people["dealer_marketer"].email in text
    assert "Choose one of the role options offered." in text


def test_emailed_links_use_the_public_url_when_configured(client, app, channel, session):
    app.config["PUBLIC_URL"] = "https://partners.fieldcrest.example/"
    person = channel.people["partner_staff"]
    post_form(client, "/password/forgot", {"email": person.email})
    mail = session.scalars(sa.select(OutboxMail).where(OutboxMail.to == person.email)).first()
    assert "https://partners.fieldcrest.example/password/reset/" in mail.body


# --- Links in mail never come from the request's Host header ------------------------


def _send_host(client, host):
    """Every later request of this client carries `Host: host`."""
    for name in ("open", "session_transaction"):
        setattr(client, name, functools.partial(getattr(client, name), base_url=f"http://{host}"))


def _mails_to(session, to):
    return session.scalars(sa.select(OutboxMail).where(OutboxMail.to == to)).all()


def test_forgot_password_with_a_forged_host_mails_no_link_to_that_host(
    client, app, channel, session
):
    app.config["SERVER_NAME"] = None  # as `make run`: no HUB_PUBLIC_URL, no server name
    _send_host(client, "evil.example")
    person = channel.people["partner_staff"]
    response = post_form(client, "/password/forgot", {"email": person.email})
    mails = _mails_to(session, person.email)
    assert response.status_code == 303 and mails
    assert not any("evil.example" in mail.body for mail in mails)
    assert all("http://127.0.0.1:5000/password/reset/" in mail.body for mail in mails)


def test_invitation_with_a_forged_host_mails_no_link_to_that_host(client, app, channel, session):
    app.config["SERVER_NAME"] = None
    _send_host(client, "evil.example")
    sign_in(client, channel.people["partner_admin"])
    response = post_form(
        client,
        f"/organizations/{channel.dealer.id}/invite",
        {"name": "Nina Holt", "email": "nina@dealer.example", "role": "dealer_marketer"},
    )
    mails = _mails_to(session, "nina@dealer.example")
    assert response.status_code == 303 and mails
    assert not any("evil.example" in mail.body for mail in mails)
    assert all("http://127.0.0.1:5000/invitation/" in mail.body for mail in mails)


def test_requests_for_hosts_outside_hub_trusted_hosts_are_refused(client, app):
    app.config["TRUSTED_HOSTS"] = ["hub.test"]
    assert client.get("/login").status_code == 200
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400


def test_links_use_a_host_that_hub_trusted_hosts_vetted(client, app, channel, session):
    app.config.update(SERVER_NAME=None, TRUSTED_HOSTS=["partners.lan", "hub.test"])
    _send_host(client, "partners.lan")
    person = channel.people["partner_staff"]
    assert post_form(client, "/password/forgot", {"email": person.email}).status_code == 303
    (mail,) = _mails_to(session, person.email)
    assert "http://partners.lan/password/reset/" in mail.body
