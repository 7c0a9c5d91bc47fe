"""The shapes of the learning API's kudos."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from hub.api import Input, NamedRef, Output, PageQuery, iso_utc
from hub.api.schemas import UtcTime, one_of
from learning.recognition.models import Kudos as KudosRow
from learning.recognition.models import KudosCategory

CATEGORY = one_of(KudosCategory)


class Kudos(Output):
    id: int
    recipient: NamedRef
    organization: NamedRef = Field(description="The recipient's organisation.")
    giver: NamedRef | None = Field(description="Null when the giver's account is gone.")
    category: CATEGORY
    message: str = Field(description="Plain text, as written.")
    created_at: UtcTime

    @classmethod
    def of(cls, row: KudosRow) -> Kudos:
        return cls(
            id=row.id,
            recipient=NamedRef.of(row.recipient),
            organization=NamedRef.of(row.recipient.organization),
            giver=NamedRef.of(row.giver),
            category=row.category.value,
            message=row.message,
            created_at=iso_utc(row.created_at),
        )


class KudosQuery(PageQuery):
    person_id: int | None = Field(None, ge=1, le=2**31 - 1, description="Only this recipient's.")


class KudosInput(Input):
    recipient_id: int = Field(description="Someone in your scope.")
    category: CATEGORY
    message: str = Field(description="1 to 280 characters, plain text.")

    model_config = ConfigDict(extra="forbid", strict=True)
