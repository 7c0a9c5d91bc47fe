"""Sign-in pages: password, two-factor code, sign-out, password reset, invitations."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from hub.accounts import passwords
from hub.accounts import service as accounts
from hub.accounts.forms import CodeForm, ForgotPasswordForm, LoginForm, NewPasswordForm
from hub.errors import TooManyAttempts, ValidationFailed
from hub.models import Person
from hub.web.forms import apply_problems, submit_status
from hub.web.pages import external_url, render, see_other

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300  # how long a password-checked sign-in may wait for its 2FA code


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("hub.dashboard")


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def _finish_login(person: Person, next_url: str | None, message: str | None = None):
    session.clear()  # a fresh session at every sign-in: nothing from before carries over
    accounts.start_session(person, ip=_client_ip(), user_agent=request.user_agent.string)
    login_user(person)
    if message:
        flash(message, "success")
    return redirect(safe_next(next_url), code=303)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return see_other("hub.dashboard")
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            person = accounts.authenticate(form.email.data, form.password.data, _client_ip())
        except TooManyAttempts as exc:
            form.form_errors.append(str(exc))
            status = 429
        except ValidationFailed as exc:
            apply_problems(form, exc)
            status = 422
        else:
            if person.totp_enabled:
                session.clear()
                session["pending_login"] = {
                    "id": person.id,
                    "at": time.time(),
                    "next": request.args.get("next"),
                }
                return see_other("auth.login_code")
            return _finish_login(person, request.args.get("next"))
    elif form.is_submitted():
        status = 422
    form.password.data = ""
    return render("hub/accounts/login.html", form=form, status=status)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    pending = session.get("pending_login")
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        session.pop("pending_login", None)
        flash("Sign in again: the code step timed out.", "info")
        return see_other("auth.login")
    person = accounts.person_by_id(pending["id"])
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.check_login_allowed(person.email, _client_ip())
            accounts.verify_totp(person, form.code.data)
        except TooManyAttempts as exc:
            form.form_errors.append(str(exc))
            status = 429
        except ValidationFailed as exc:
            accounts.record_failed_attempt(person.email, _client_ip())
            apply_problems(form, exc)
            status = 422
        else:
            return _finish_login(person, pending.get("next"))
    elif form.is_submitted():
        status = 422
    return render("hub/accounts/code.html", form=form, status=status)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        accounts.end_session(current_user.login_token, current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return see_other("auth.login")


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_password_reset(
            form.email.data,
            lambda token: external_url("auth.reset_password", token=token),
        )
        flash(
            "If that address has an account, a reset link is on its way. It works once, for a limited time.",
            "success",
        )
        return see_other("auth.login")
    return render("hub/accounts/forgot.html", form=form, status=submit_status(form))


def _password_from_link(purpose: str, token: str, template: str):
    try:
        person = passwords.peek_link_token(token, purpose)
    except ValidationFailed as exc:
        return render("hub/accounts/link_invalid.html", message=str(exc), status=410)
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            if purpose == "reset":
                person = passwords.reset_password(token, form.password.data)
                message = "Your password is changed and your other sessions are signed out."
            else:
                person = passwords.accept_invitation(token, form.password.data)
                message = f"Welcome to Partner Hub, {person.name}!"
            return _finish_login(person, None, message)
        except ValidationFailed as exc:
            apply_problems(form, exc)
            status = 422
    elif form.is_submitted():
        status = 422
    return render(template, form=form, person=person, status=status)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _password_from_link("reset", token, "hub/accounts/reset.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _password_from_link("invite", token, "hub/accounts/invitation.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
