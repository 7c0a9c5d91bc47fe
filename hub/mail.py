"""Outgoing e-mail. Every message lands in the outbox table; with SMTP configured it is
also delivered — right after the transaction commits, and retried by `hub tick`."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app

from hub import db
from hub.db import utcnow
from hub.models import OutboxMail

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> OutboxMail:
    """Queue a plain-text e-mail; it is sent once the current transaction commits."""
    mail = OutboxMail(to=to, subject=subject[:200], body=body)
    db.session.add(mail)
    db.session.flush()
    if current_app.config.get("SMTP_HOST"):
        app = current_app._get_current_object()
        mail_id = mail.id

        def _deliver_now():
            with app.app_context():
                deliver_pending(ids=[mail_id])
                db.session.commit()

        db.on_commit(_deliver_now)
    return mail


def send_many(messages: list[tuple[str, str, str]]) -> int:
    """Queue many plain-text e-mails, (to, subject, body) each, in one bulk INSERT; with
    SMTP configured they go out after the commit (and `hub tick` retries). Returns how many."""
    if not messages:
        return 0
    now = utcnow()
    rows = [
        {"to": to, "subject": subject[:200], "body": body, "created_at": now, "error": ""}
        for to, subject, body in messages
    ]
    ids = list(db.session.scalars(sa.insert(OutboxMail).returning(OutboxMail.id), rows))
    if current_app.config.get("SMTP_HOST"):
        app = current_app._get_current_object()

        def _deliver_now():
            with app.app_context():
                for start in range(0, len(ids), 200):
                    deliver_pending(ids=ids[start : start + 200])
                    db.session.commit()

        db.on_commit(_deliver_now)
    return len(rows)


def deliver_pending(ids: list[int] | None = None, older_than: timedelta | None = None) -> int:
    """Send unsent outbox mail over SMTP; each message is claimed first so it goes out once."""
    if not current_app.config.get("SMTP_HOST"):
        return 0
    stmt = sa.select(OutboxMail.id).where(OutboxMail.sent_at.is_(None))
    if ids is not None:
        stmt = stmt.where(OutboxMail.id.in_(ids))
    if older_than is not None:
        stmt = stmt.where(OutboxMail.created_at < utcnow() - older_than)
    sent = 0
    for mail_id in db.session.scalars(stmt.limit(200)).all():
        claimed = db.session.execute(
            sa.update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None))
            .values(sent_at=utcnow())
        ).rowcount
        if not claimed:
            continue
        mail = db.session.get(OutboxMail, mail_id)
        try:
            _smtp_send(mail)
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail %s to %s not sent: %s", mail.id, mail.to, exc)
            mail.sent_at = None
            mail.error = str(exc)[:300]
    return sent


def _smtp_send(mail: OutboxMail) -> None:
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=20) as smtp:
        if cfg.get("SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("SMTP_USERNAME"):
            smtp.login(cfg["SMTP_USERNAME"], cfg.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)
