"""The learning API's certifications (`/api/v1/learning/certifications`): who holds
what, scoped by the access policy, and revocation for the program admin. The routes
call the rules the pages call (learning.certifications.service)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import aliased

from hub.api import Page, allow_only, api_blueprint, context, current_person, operation, paginate
from hub.db import utcnow
from hub.web.pages import external_url
from learning.certifications import renewal
from learning.certifications import service as certifications
from learning.certifications.models import Certification as CertificationRow
from learning.certifications.models import CertificationStatus
from learning.certifications.schemas import (
    Certification,
    CertificationChain,
    CertificationQuery,
    Revocation,
)

bp = api_blueprint("learning_certifications_api", __name__, url_prefix="/api/v1/learning")
TAG = "learning"


def status_is(wanted: CertificationStatus, now) -> sa.ColumnElement[bool]:
    """SQL for "the certification's status now is wanted" (CertificationRow.status)."""
    row, S = CertificationRow, CertificationStatus
    if wanted is S.REVOKED:
        return row.revoked_at.is_not(None)
    renewal = aliased(CertificationRow)
    renewed = sa.exists(
        sa.select(renewal.id).where(renewal.renews_id == row.id, renewal.revoked_at.is_(None))
    )
    ended = row.valid_until <= now
    by_status = {
        S.UPCOMING: row.valid_from > now,
        S.VALID: sa.and_(row.valid_from <= now, row.valid_until > now),
        S.RENEWED: sa.and_(ended, renewed),
        S.IN_GRACE: sa.and_(ended, row.grace_until > now, ~renewed),
        S.EXPIRED: sa.and_(row.grace_until <= now, ~renewed),
    }
    return sa.and_(row.revoked_at.is_(None), by_status[wanted])


def _out(cert: CertificationRow) -> Certification:
    url = external_url("verify.credential", credential_id=cert.credential_id)
    return Certification.of(cert, url)


@bp.get("/certifications")
@operation(
    "Certifications you can see",
    description="Your own, and those of the people in your scope: OEM staff see every "
    "partner's, a partner its own organisation's and those beneath it. Ordered by id.",
    query=CertificationQuery,
    responses={200: (Page[Certification], "One page of certifications.")},
    tags=[TAG],
)
def list_certifications():
    args: CertificationQuery = context().query
    stmt = certifications.visible_certifications(current_person())
    if args.person_id is not None:
        stmt = stmt.where(CertificationRow.person_id == args.person_id)
    if args.status:
        stmt = stmt.where(status_is(CertificationStatus(args.status), utcnow()))
    return paginate(stmt, CertificationRow.id, _out, args)


@bp.get("/certifications/<int:cert_id>")
@operation("One certification", responses={200: (Certification, "The certification.")}, tags=[TAG])
def get_certification(cert_id: int):
    return _out(certifications.get_certification_or_404(current_person(), cert_id))


@bp.get("/certifications/<int:cert_id>/chain")
@operation(
    "A certification's history",
    description="Every certification of its chain, the first issue first: each renewal "
    "continues the one before it (`renews_id`).",
    responses={200: (CertificationChain, "The chain, first issue first.")},
    tags=[TAG],
)
def certification_chain(cert_id: int):
    cert = certifications.get_certification_or_404(current_person(), cert_id)
    return CertificationChain(items=[_out(c) for c in renewal.chain(cert)])


@bp.post("/certifications/<int:cert_id>/revoke")
@operation(
    "Revoke a certification (program admin)",
    description="Its verification page shows it revoked from now on; the holder is told "
    "why. Revoking one that is revoked already is a 409.",
    json=Revocation,
    responses={200: (Certification, "The revoked certification.")},
    problems=(403, 409),
    before=allow_only(certifications.can_revoke, "Only the program admin revokes certifications."),
    tags=[TAG],
)
def revoke_certification(cert_id: int):
    cert = certifications.get_certification_or_404(current_person(), cert_id)
    body: Revocation = context().json
    certifications.revoke(current_person(), cert, body.reason)
    return _out(cert)


def init_app(app: Flask) -> None:
    """Register the learning API's certifications (the tag is the paths API's)."""
    app.register_blueprint(bp)
