"""The shapes of the learning API's certifications."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from hub.api import Input, NamedRef, Output, PageQuery, iso_utc
from hub.api.schemas import UtcTime, one_of
from learning.certifications.models import Certification as CertificationRow
from learning.certifications.models import CertificationStatus

STATUS = one_of(CertificationStatus)


class Certification(Output):
    id: int
    credential_id: str = Field(description="The public id its verification page is found by.")
    holder: NamedRef
    organization: NamedRef = Field(description="The holder's organisation.")
    level: NamedRef = Field(description="The level achieved (its name is the achievement).")
    issued_at: UtcTime
    valid_from: UtcTime = Field(
        description="Its validity starts (a renewal: when the one it renews ends)."
    )
    valid_until: UtcTime
    grace_until: UtcTime = Field(
        description="Renewable until then; not counted as valid after valid_until."
    )
    renews_id: int | None = Field(description="The certification it renews (its chain), if any.")
    status: STATUS
    revoked_at: UtcTime | None
    revoke_reason: str
    verify_url: str = Field(description="The public verification page.")

    @classmethod
    def of(cls, cert: CertificationRow, verify_url: str) -> Certification:
        return cls(
            id=cert.id,
            credential_id=cert.credential_id,
            holder=NamedRef.of(cert.person),
            organization=NamedRef.of(cert.person.organization),
            level=NamedRef(id=cert.level.id, name=cert.level.title),
            issued_at=iso_utc(cert.issued_at),
            valid_from=iso_utc(cert.valid_from),
            valid_until=iso_utc(cert.valid_until),
            grace_until=iso_utc(cert.grace_until),
            renews_id=cert.renews_id,
            status=cert.status().value,
            revoked_at=iso_utc(cert.revoked_at),
            revoke_reason=cert.revoke_reason,
            verify_url=verify_url,
        )


class CertificationChain(Output):
    items: list[Certification] = Field(description="First issue first, then each renewal.")


class CertificationQuery(PageQuery):
    person_id: int | None = Field(None, ge=1, le=2**31 - 1, description="Only this holder's.")
    status: STATUS | None = Field(None, description="Only those in this status now.")


class Revocation(Input):
    reason: str = Field(
        description="Why it is revoked (the holder reads it).",
        json_schema_extra={"maxLength": 300},
    )

    model_config = ConfigDict(extra="forbid", strict=True)
