"""Certification rules: issue, validity, revocation and scope."""

from datetime import datetime, timedelta

import pytest
import segno
import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import AuditEvent, Notification
from learning.certifications import certificate
from learning.certifications import service as certifications
from learning.certifications.certificate import pdf_bytes, png_bytes
from learning.certifications.models import CertificationStatus
from tests.learning.factories import certify, make_learning


def test_validity_is_set_per_level_and_the_credential_id_is_unguessable(channel, session):
    learning = make_learning()
    person = channel.people["partner_staff"]
    issued = datetime(2026, 1, 31, 9, 0)
    cert = certify(person, learning.professional, now=issued)  # 12 months
    assert cert.valid_until == datetime(2027, 1, 31, 9, 0)
    other = certify(person, learning.foundation, now=issued)
    assert len(cert.credential_id) >= 22 and cert.credential_id != other.credential_id
    assert certifications.add_months(datetime(2026, 1, 31), 1) == datetime(2026, 2, 28)


def test_status_is_valid_then_in_grace_then_expired(channel, session):
    learning = make_learning()
    cert = certify(channel.people["partner_staff"], learning.foundation)
    assert cert.status() == CertificationStatus.VALID
    assert cert.grace_until == cert.valid_until + timedelta(days=learning.foundation.grace_days)
    assert cert.status(cert.valid_until + timedelta(seconds=1)) == CertificationStatus.IN_GRACE
    assert cert.status(cert.grace_until) == CertificationStatus.EXPIRED


def test_revocation_is_audited_told_and_not_repeated(channel, session):
    learning = make_learning()
    holder, admin = channel.people["partner_staff"], channel.people["program_admin"]
    cert = certify(holder, learning.foundation)
    with pytest.raises(ValidationFailed, match="Say why"):
        certifications.revoke(admin, cert, "  ")
    assert cert.revoked_at is None
    certifications.revoke(admin, cert, "Taken on a shared login.")
    assert cert.status() == CertificationStatus.REVOKED
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "learning.certification_revoked")
    )
    assert event.actor_id == admin.id and event.after["reason"] == "Taken on a shared login."
    assert db.session.scalar(
        sa.select(Notification).where(
            Notification.person_id == holder.id, Notification.text.contains("revoked")
        )
    )
    with pytest.raises(Conflict, match="revoked already"):
        certifications.revoke(admin, cert, "Again.")


def test_a_partner_sees_its_own_peoples_certifications_only(channel, session):
    learning = make_learning()
    mine = certify(channel.people["partner_staff"], learning.foundation)
    theirs = certify(channel.people["other_marketer"], learning.foundation)

    def seen(viewer):
        return set(db.session.scalars(certifications.visible_certifications(viewer)))

    assert seen(channel.people["partner_admin"]) == {mine}
    assert seen(channel.people["distributor_admin"]) == {mine}
    assert seen(channel.people["program_admin"]) == {mine, theirs}


def test_the_certificate_is_a_png_and_a_pdf(channel, session):
    cert = certify(channel.people["partner_staff"], make_learning().foundation, now=utcnow())
    png = png_bytes(cert, "Test OEM", f"http://hub.example/verify/{cert.credential_id}")
    pdf = pdf_bytes(cert, "Test OEM", f"http://hub.example/verify/{cert.credential_id}")
    assert png.startswith(b"\x89PNG") and pdf.startswith(b"%PDF")


def test_the_wallet_lists_the_scope_for_oem_staff_and_partner_admins_only(channel, session):
    learning = make_learning()
    staff = certify(channel.people["partner_staff"], learning.foundation)
    other = certify(channel.people["other_marketer"], learning.foundation)
    assert certifications.others_in_scope(channel.people["partner_admin"]) == [staff]
    assert set(certifications.others_in_scope(channel.people["channel_manager"])) == {
        staff,
        other,
    }
    assert certifications.others_in_scope(channel.people["dealer_marketer"]) == []


def test_the_certificates_qr_code_holds_the_verification_url(channel, session):
    cert = certify(channel.people["partner_staff"], make_learning().foundation)
    url = f"https://hub.example/verify/{cert.credential_id}"
    image = certificate.render(cert, "Test OEM", url).convert("L")
    # Read the code back module by module at each module's centre, and compare it with
    # the code of the URL: the same symbol, so a phone scanning it opens that page.
    expected = segno.make(url, error="m").matrix
    size = len(expected) + 4  # a quiet zone of two modules each side
    step = certificate.QR_SIZE / size
    left, top = certificate.QR_BOX
    read = [
        [
            image.getpixel((left + (c + 2.5) * step, top + (r + 2.5) * step)) < 128
            for c in range(len(expected))
        ]
        for r in range(len(expected))
    ]
    assert read == [[bool(v) for v in row] for row in expected]
    other = segno.make(url + "x", error="m").matrix
    assert read != [[bool(v) for v in row] for row in other]
