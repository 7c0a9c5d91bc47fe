"""A person's own settings: profile, password, API tokens, sign-in sessions and
two-factor sign-in. Routes on the shared `hub` blueprint (hub.settings …)."""

from __future__ import annotations

from flask import abort, flash, request, session
from flask_login import current_user

from hub.accounts import passwords
from hub.accounts import service as accounts
from hub.accounts.forms import ChangePasswordForm, CodeForm, ProfileForm, TokenForm
from hub.errors import ValidationFailed
from hub.models import ApiToken, LoginSession
from hub.qr import qr_svg
from hub.security import token_hash
from hub.web.blueprint import bp
from hub.web.forms import EmptyForm, apply_problems, flash_problems, submit_status
from hub.web.pages import render, see_other


def settings_page(**forms):
    """The settings page shown again with a refused form (422), the others blank."""
    return render("hub/accounts/settings.html", status=422, **settings_context(**forms))


def settings_context(**forms) -> dict:
    me = current_user
    ctx = {
        "profile_form": ProfileForm(obj=me)
        if request.method == "GET"
        else ProfileForm(formdata=None, obj=me),
        "password_form": ChangePasswordForm(formdata=None),
        "token_form": TokenForm(formdata=None),
        "form": EmptyForm(),
        "tokens": accounts.active_api_tokens(me),
        "sessions": accounts.live_sessions(me),
        "mfa_required": accounts.mfa_required(me),
        "new_token": session.pop("new_token", None),
        "current_login_hash": token_hash(me.login_token or ""),
    }
    ctx.update(forms)
    return ctx


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    if request.method == "GET":
        return render("hub/accounts/settings.html", **settings_context())
    return _save_settings(
        ProfileForm(),
        "profile_form",
        lambda form: accounts.update_profile(
            current_user,
            name=form.name.data,
            title=form.title.data or "",
            phone=form.phone.data or "",
            timezone=form.timezone.data,
        ),
        "Profile saved.",
    )


@bp.route("/settings/password", methods=["POST"])
def settings_password():
    return _save_settings(
        ChangePasswordForm(),
        "password_form",
        lambda form: passwords.change_password(
            current_user, form.current_password.data, form.password.data
        ),
        "Password changed.",
    )


def _save_settings(form, form_key: str, save, message: str):
    """A settings form's POST: `save(form)`, then back to the settings with `message`; on a
    refusal, the settings page again with the problems on the form (as `form_key`)."""
    if form.validate_on_submit():
        try:
            save(form)
            flash(message, "success")
            return see_other("hub.settings")
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return settings_page(**{form_key: form})


@bp.route("/settings/tokens", methods=["POST"])
def settings_token_create():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            issued = accounts.create_api_token(current_user, form.name.data)
            session["new_token"] = {"name": issued.token.name, "secret": issued.secret}
            return see_other("hub.settings", _anchor="api-tokens")
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return settings_page(token_form=form)


@bp.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
def settings_token_revoke(token_id: int):
    token = accounts.own_row(ApiToken, token_id, current_user) or abort(404)
    if EmptyForm().validate_on_submit():
        accounts.revoke_api_token(current_user, token)
        flash(f"Token “{token.name}” revoked; it no longer works.", "success")
    return see_other("hub.settings", _anchor="api-tokens")


@bp.route("/settings/sessions/<int:session_id>/end", methods=["POST"])
def settings_session_end(session_id: int):
    row = accounts.own_row(LoginSession, session_id, current_user) or abort(404)
    if EmptyForm().validate_on_submit() and row.ended_at is None:
        accounts.end_other_session(current_user, row)
        flash("That session is signed out.", "success")
    return see_other("hub.settings", _anchor="sessions")


@bp.route("/settings/two-factor", methods=["GET", "POST"])
def totp_setup():
    if current_user.totp_enabled:
        return see_other("hub.settings", _anchor="two-factor")
    secret = session.get("totp_secret") or accounts.new_totp_secret()
    session["totp_secret"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        try:
            accounts.enable_totp(current_user, secret, form.code.data)
            session.pop("totp_secret", None)
            session.pop("mfa_setup_needed", None)
            flash(
                "Two-factor sign-in is on. You'll be asked for a code at each sign-in.", "success"
            )
            return see_other("hub.settings", _anchor="two-factor")
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return render(
        "hub/accounts/totp_setup.html",
        form=form,
        secret=secret,
        qr=qr_svg(accounts.totp_uri(current_user, secret)),
        status=submit_status(form),
        required=accounts.mfa_required(current_user),
    )


@bp.route("/settings/two-factor/disable", methods=["POST"])
def totp_disable():
    form = CodeForm()
    if form.validate_on_submit():
        with flash_problems():
            accounts.disable_totp(current_user, form.code.data)
            flash("Two-factor sign-in is off.", "success")
    else:
        flash("Enter the current code from your app to turn two-factor sign-in off.", "error")
    return see_other("hub.settings", _anchor="two-factor")
