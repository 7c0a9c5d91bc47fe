"""Passwords, tokens and their checks — no Flask request in here."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

# argon2id with the library's RFC 9106 "low memory" profile: memory-hard and ~50 ms.
_hasher = PasswordHasher()
# A hash of a random password, so unknown e-mails cost the same time as known ones.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; always spends the time of one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def common_passwords() -> frozenset[str]:
    text = (Path(__file__).parent / "data" / "common-passwords.txt").read_text()
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Sentences saying what is wrong with a proposed password (empty when it is fine)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            f"Use at least {MIN_PASSWORD_LENGTH} characters — a short phrase works well."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        problems.append(
            "That password is one of the most common ones; choose something less guessable."
        )
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in lowered:
        problems.append("Don't use your e-mail address in your password.")
    elif name and len(name) >= 4 and name.lower().replace(" ", "") in lowered.replace(" ", ""):
        problems.append("Don't use your name in your password.")
    return problems


def new_token(prefix: str = "") -> str:
    """A fresh random secret for a link, a session or an API token."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """How tokens are stored: their SHA-256, so a leaked table grants nothing."""
    return hashlib.sha256(token.encode()).hexdigest()
