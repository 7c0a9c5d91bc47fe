"""Certification pages: the wallet, one certification (its history, renewal for the
holder, revocation for the program admin), the certificate as PNG and PDF, and the public
verification page with its signed Open Badges credential and the hub's JWKS."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, Response, abort, flash, jsonify, request
from flask_login import current_user

from hub import db
from hub.dates import format_date
from hub.errors import ValidationFailed
from hub.registry import Job, registry
from hub.web.pages import external_url, render, see_other
from learning.blueprint import bp
from learning.certifications import certificate, openbadges, reminders, renewal
from learning.certifications import service as certifications
from learning.certifications.requirements import standing

# Public: no sign-in, no scope — the credential id itself is the key.
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")
# Public: the key verifiers check the signed credentials with.
wellknown_bp = Blueprint("wellknown", __name__, url_prefix="/.well-known")


@bp.get("/certifications")
def wallet():
    record = standing(current_user.id)
    return render(
        "learning/certifications/wallet.html",
        mine=record.certifications,
        others=certifications.others_in_scope(current_user),
        now=record.now,
    )


@bp.get("/certifications/<int:cert_id>")
def certification_page(cert_id: int, problems: dict | None = None, status: int = 200):
    cert = certifications.get_certification_or_404(current_user, cert_id)
    state = renewal.state(cert)
    return render(
        "learning/certifications/page.html",
        status=status,
        cert=cert,
        now=state.now,
        history=renewal.chain(cert),
        renewal=state,
        renewal_refusal=renewal.refusal(state, current_user),
        is_holder=cert.person_id == current_user.id,
        verify_url=external_url("verify.credential", credential_id=cert.credential_id),
        can_revoke=certifications.can_revoke(current_user) and cert.revoked_at is None,
        problems=problems or {},
        reason=request.form.get("reason", ""),
    )


@bp.post("/certifications/<int:cert_id>/revoke")
def certification_revoke(cert_id: int):
    cert = certifications.get_certification_or_404(current_user, cert_id)
    if not certifications.can_revoke(current_user):
        abort(403)
    try:
        certifications.revoke(current_user, cert, request.form.get("reason", ""))
    except ValidationFailed as exc:
        db.rollback_request()
        return certification_page(cert_id, problems=exc.problems, status=422)
    flash("The certification is revoked; its verification page says so now.", "success")
    return see_other("learning.certification_page", cert_id=cert.id)


@bp.post("/certifications/<int:cert_id>/renew")
def certification_renew(cert_id: int):
    """The holder renews, once the recertification module and its quiz are done."""
    cert = certifications.get_certification_or_404(current_user, cert_id)
    if cert.person_id != current_user.id:
        abort(403)
    try:
        renewed = renewal.renew(current_user, cert)
    except ValidationFailed as exc:
        db.rollback_request()
        flash(str(exc), "error")
        return see_other("learning.certification_page", cert_id=cert_id)
    flash(f"Renewed: valid until {format_date(renewed.valid_until, current_user)}.", "success")
    return see_other("learning.certification_page", cert_id=renewed.id)


def _certificate(cert_id: int, kind: str) -> Response:
    cert = certifications.get_certification_or_404(current_user, cert_id)
    url = external_url("verify.credential", credential_id=cert.credential_id)
    issuer = certifications.issuer_name()
    if kind == "pdf":
        body, mimetype = certificate.pdf_bytes(cert, issuer, url), "application/pdf"
    else:
        body, mimetype = certificate.png_bytes(cert, issuer, url), "image/png"
    name = f"certificate-{cert.credential_id}.{kind}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@bp.get("/certifications/<int:cert_id>/certificate.png")
def certificate_png(cert_id: int):
    return _certificate(cert_id, "png")


@bp.get("/certifications/<int:cert_id>/certificate.pdf")
def certificate_pdf(cert_id: int):
    return _certificate(cert_id, "pdf")


def signed_credential(cert) -> str:
    """The certification's OpenBadgeCredential, signed as a VC-JWT (the same document
    for the public .jwt and the wallet's download)."""
    level = cert.level
    document = openbadges.credential(
        cert,
        verify_url=external_url("verify.credential", credential_id=cert.credential_id),
        issuer_url=external_url("verify.issuer"),
        issuer=certifications.issuer_name(),
        achievement_url=external_url("learning.path_page", path_id=level.path_id)
        + f"#level-{level.id}",
    )
    return openbadges.sign(document)


@verify_bp.get("/<credential_id>.jwt")
def credential_jwt(credential_id: str):
    """Public: the signed Open Badges credential. A revoked one is still served (it is
    what was issued, and its signature stays true); its verification page says revoked."""
    cert = certifications.by_credential(credential_id)
    if cert is None:
        return render("learning/certifications/verify_unknown.html", status=404)
    response = Response(signed_credential(cert), mimetype=openbadges.MEDIA_TYPE)
    if request.args.get("download"):
        name = f"openbadge-{cert.credential_id}.jwt"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@verify_bp.get("/issuer")
def issuer():
    """Public: the issuer profile the credentials name (Open Badges Profile, JSON)."""
    return jsonify(
        {
            "@context": openbadges.CONTEXTS,
            "id": external_url("verify.issuer"),
            "type": ["Profile"],
            "name": certifications.issuer_name(),
        }
    )


@wellknown_bp.get("/jwks.json")
def jwks():
    """Public: the hub's credential-signing public key as a JWK Set."""
    response = jsonify(openbadges.jwks())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@verify_bp.get("/<credential_id>")
def credential(credential_id: str):
    """Public: what a certificate's QR code opens. The holder's name, the achievement,
    the issuer, the dates and the status — nothing else about anyone."""
    cert = certifications.by_credential(credential_id)
    if cert is None:
        return render("learning/certifications/verify_unknown.html", status=404)
    return render(
        "learning/certifications/verify.html",
        cert=cert,
        status_now=cert.status(),
        issuer=certifications.issuer_name(),
        history=renewal.chain(cert),
    )


def init_app(app: Flask) -> None:
    """The public key's blueprint and the daily renewal reminders (the verification
    blueprint is registered by learning's init_app)."""
    app.register_blueprint(wellknown_bp)
    registry(app).add_job(
        Job("learning.renewal-reminders", timedelta(days=1), reminders.send_renewal_reminders)
    )
