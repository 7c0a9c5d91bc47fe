"""The brand-kit API's shapes: a template (image or deck) with its state and who used it,
and what publishing takes."""

from __future__ import annotations

from pydantic import Field

from campaigns.studio.usage import Use
from hub.api import Input, NamedRef, Output
from hub.api.schemas import UtcTime, iso_utc


class TemplateUse(Output):
    organization: NamedRef
    downloads: int = Field(description="Outputs downloaded (PNG, JPEG, PDF or PPTX).")
    attachments: int = Field(description="Outputs attached to one of its campaigns.")
    last_used: UtcTime

    @classmethod
    def of(cls, use: Use) -> TemplateUse:
        return cls(
            organization=NamedRef.of(use.organization),
            downloads=use.downloads,
            attachments=use.attachments,
            last_used=iso_utc(use.last_used),
        )


class BrandKitTemplate(Output):
    kind: str = Field(description='"image" or "deck".')
    id: int | None = Field(description="The template's or uploaded deck's id (none: built in).")
    key: str
    name: str
    published: bool
    uses: list[TemplateUse] = Field(description="Who used it, the most recent first.")


class Publish(Input):
    published: bool = Field(description="true offers it to dealers, false takes it back.")
