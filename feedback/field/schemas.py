"""The field intelligence API's shapes (what it answers, what filing takes; unknown
fields refused, the rules word every other problem)."""

from __future__ import annotations

from flask import url_for
from pydantic import Field

from feedback.field.models import FieldObservation
from hub.api import Input, NamedRef, Output, PageQuery, iso_utc
from hub.api.schemas import MONEY_IN_DESCRIPTION, Day, Money, UtcTime, day, money


class ObservationQuery(PageQuery):
    q: str | None = Field(None, max_length=100, description="Words in the competitor or product.")
    region: str | None = Field(None, max_length=80, description="Part of the region's name.")
    tag: str | None = Field(None, max_length=40, description="A product manager's tag.")
    product_line_id: int | None = Field(None, description="Only those about this line.")


class ObservationInput(Input):
    competitor: str = Field(description="The maker, up to 120 characters.")
    product: str = Field(description="The model and what it is, up to 160 characters.")
    price: str | None = Field(None, description=f"The price seen. {MONEY_IN_DESCRIPTION}")
    currency: str | None = Field(None, description="USD, CAD, MXN, EUR, GBP or AUD, with a price.")
    region: str = Field(description="Where it was seen, up to 80 characters.")
    observed_on: str | None = Field(None, description="YYYY-MM-DD; today when left out.")
    product_line_id: int | None = Field(None, description="Our product line it competes with.")
    notes: str = Field("", description="Up to 3,000 characters.")


class ObservationOut(Output):
    id: int
    organization: NamedRef
    author: str
    competitor: str
    product: str
    product_line: NamedRef | None
    price: Money | None
    currency: str | None
    region: str
    observed_on: Day
    notes: str
    photo: str | None = Field(description="The photo's URL (for a signed-in browser).")
    tags: list[str]
    created_at: UtcTime
    url: str

    @classmethod
    def of(cls, row: FieldObservation, tags: list[str]) -> ObservationOut:
        return cls(
            id=row.id,
            organization=NamedRef.of(row.organization),
            author=row.author.name,
            competitor=row.competitor,
            product=row.product,
            product_line=NamedRef.of(row.product_line) if row.product_line else None,
            price=money(row.price),
            currency=row.currency,
            region=row.region,
            observed_on=day(row.observed_on),
            notes=row.notes,
            photo=url_for("feedback.field_photo", observation_id=row.id)
            if row.photo_file_id
            else None,
            tags=tags,
            created_at=iso_utc(row.created_at),
            url=url_for("field_api.get_observation", observation_id=row.id),
        )
