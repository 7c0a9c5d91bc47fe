"""Certification pages: the wallet, one certification (with revocation for the program
admin), the certificate as PNG and PDF, and the public verification page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request
from flask_login import current_user

from hub import db
from hub.errors import ValidationFailed
from hub.web.pages import external_url, render, see_other
from learning.blueprint import bp
from learning.certifications import certificate
from learning.certifications import service as certifications
from learning.certifications.requirements import standing

# Public: no sign-in, no scope — the credential id itself is the key.
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")


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
    return render(
        "learning/certifications/page.html",
        status=status,
        cert=cert,
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
    )
