"""Helpers for the field intelligence tests: an observation filed by someone, a PNG."""

from __future__ import annotations

from feedback.field import service as field

FIELDS = {
    "competitor": "Kubota",
    "product": "BX23S tractor-loader-backhoe",
    "price": "24,999.00",
    "currency": "USD",
    "region": "Central Iowa",
    "notes": "0% for 60 months.",
}


def observe(person, photo=None, **more):
    return field.file_observation(person, {**FIELDS, **more}, photo)
