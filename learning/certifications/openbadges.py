"""Open Badges 3.0: every certification as an `OpenBadgeCredential` (W3C VC Data Model
2.0), signed as a VC-JWT (JWS compact, EdDSA over Ed25519) with the hub's own key. The
key is made on first use and kept in the instance folder (PEM, mode 0600); its public
half is published as a JWK Set at /.well-known/jwks.json for verifiers."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask, current_app

from hub.api.schemas import iso_utc
from learning.certifications.models import Certification

KEY_FILE = "credential-signing-ed25519.pem"
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
MEDIA_TYPE = "application/vc+jwt"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    """The instance's signing key: read it, or make it once (two processes starting at
    once: the second finds the file the first wrote)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise RuntimeError(f"{path} holds no Ed25519 private key; move it away") from None
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def signing_key(app: Flask | None = None) -> Ed25519PrivateKey:
    """The hub's credential signing key (made on first use), kept for the app's life."""
    app = app or current_app._get_current_object()
    key = app.extensions.get("learning.signing_key")
    if key is None:
        folder = Path(app.instance_path)
        folder.mkdir(parents=True, exist_ok=True)
        key = app.extensions["learning.signing_key"] = _load_or_create(folder / KEY_FILE)
    return key


def public_jwk(key: Ed25519PrivateKey | None = None) -> dict:
    """The public key as a JWK (OKP, Ed25519), its kid the RFC 7638 thumbprint."""
    raw = (
        (key or signing_key())
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}
    thumbprint = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = _b64(hashlib.sha256(thumbprint).digest())
    return {**members, "kid": kid, "alg": "EdDSA", "use": "sig"}


def jwks() -> dict:
    """The JWK Set verifiers fetch."""
    return {"keys": [public_jwk()]}


def credential(
    cert: Certification, *, verify_url: str, issuer_url: str, issuer: str, achievement_url: str
) -> dict:
    """The certification as an OpenBadgeCredential (unsigned). Its id is the public
    verification page; the holder is named (as on that page) and nothing else about them."""
    level = cert.level
    path = level.path
    return {
        "@context": CONTEXTS,
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": level.title,
        "issuer": {"id": issuer_url, "type": ["Profile"], "name": issuer},
        "validFrom": iso_utc(cert.valid_from),
        "validUntil": iso_utc(cert.valid_until),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": cert.person.name,
                }
            ],
            "achievement": {
                "id": achievement_url,
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": level.title,
                "description": level.summary
                or f"The {level.name} level of the {path.title} mastery path.",
                "criteria": {
                    "narrative": (
                        f"Completed every module of {level.title} and passed each module's "
                        f"quiz; valid for {level.validity_months} months, renewed by the "
                        "level's recertification module."
                    )
                },
            },
        },
    }


def sign(document: dict, key: Ed25519PrivateKey | None = None) -> str:
    """The document as a VC-JWT: JWS compact serialisation, header alg+kid+typ."""
    key = key or signing_key()
    header = {"alg": "EdDSA", "kid": public_jwk(key)["kid"], "typ": "vc+jwt"}
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        for part in (header, document)
    )
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{_b64(signature)}"
