"""The certificate as an image (PNG) and a document (PDF), drawn by Pillow, with a QR
code that leads to the public verification page.

Fonts: hub.fonts (DejaVu Sans from Debian's fonts-dejavu-core; none committed).
"""

from __future__ import annotations

import io

import segno
from PIL import Image, ImageDraw

from hub.dates import format_date
from hub.fonts import font
from learning.certifications.models import Certification

WIDTH, HEIGHT = 1600, 1130  # A4 landscape at about 136 dpi
GREEN = (31, 92, 58)
INK = (27, 31, 29)
GREY = (88, 96, 92)
QR_SIZE = 220
QR_BOX = (WIDTH - 110 - QR_SIZE, HEIGHT - 110 - QR_SIZE)  # its top-left corner


_font = font


def _centered(
    draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill, bold: bool = False
) -> int:
    font = _font(size, bold)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((WIDTH - (right - left)) / 2, y), text, font=font, fill=fill)
    return y + (bottom - top) + size // 2


def _qr(url: str) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=7, border=2)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def render(cert: Certification, issuer: str, verify_url: str) -> Image.Image:
    """The certificate of cert as an RGB image."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, WIDTH - 30, HEIGHT - 30), outline=GREEN, width=8)
    draw.rectangle((50, 50, WIDTH - 50, HEIGHT - 50), outline=GREEN, width=2)
    y = _centered(draw, 120, issuer.upper(), 34, GREEN, bold=True)
    y = _centered(draw, y + 20, "Certificate of achievement", 64, INK)
    y = _centered(draw, y + 40, "This certifies that", 30, GREY)
    y = _centered(draw, y + 10, cert.person.name, 72, INK, bold=True)
    y = _centered(draw, y + 10, "has achieved", 30, GREY)
    y = _centered(draw, y + 10, cert.level.title, 48, GREEN, bold=True)
    dates = (
        f"Issued {format_date(cert.issued_at, cert.person)} · "
        f"valid until {format_date(cert.valid_until, cert.person)}"
    )
    _centered(draw, y + 20, dates, 30, INK)
    qr = _qr(verify_url)
    image.paste(qr.resize((QR_SIZE, QR_SIZE), Image.Resampling.NEAREST), QR_BOX)
    small = _font(22)
    draw.text((110, HEIGHT - 180), "Verify this certificate:", font=small, fill=GREY)
    draw.text((110, HEIGHT - 150), verify_url, font=small, fill=INK)
    draw.text((110, HEIGHT - 120), f"Credential id {cert.credential_id}", font=small, fill=GREY)
    return image


def png_bytes(cert: Certification, issuer: str, verify_url: str) -> bytes:
    buffer = io.BytesIO()
    render(cert, issuer, verify_url).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def pdf_bytes(cert: Certification, issuer: str, verify_url: str) -> bytes:
    buffer = io.BytesIO()
    render(cert, issuer, verify_url).save(
        buffer, "PDF", resolution=136.0, title=f"{cert.level.title} — {cert.person.name}"
    )
    return buffer.getvalue()
