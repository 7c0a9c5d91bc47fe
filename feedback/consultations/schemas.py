"""The consultations API's shapes: what it answers (built from the rules' objects) and
what the calls take (unknown fields refused; lengths and emptiness are the rules' sentences)."""

from __future__ import annotations

from flask import url_for
from pydantic import Field

from feedback.consultations import service
from feedback.consultations.access import shown_name
from feedback.consultations.models import Consultation, ConsultationComment, Outcome, Signal
from hub.api import Input, Output, Query, iso_utc
from hub.api.schemas import Day, UtcTime, day, one_of
from hub.models import Person

SignalName = one_of(Signal)
OutcomeName = one_of(Outcome)
StateName = one_of(["scheduled", "open", "closed", "answered"])


class ConsultationQuery(Query):
    state: one_of(["scheduled", "open", "closed", "answered", "any"]) = Field(
        "open",
        description="Only consultations in this state (default: open for comment now; any: all).",
    )


class SignalInput(Input):
    signal: SignalName = Field(description="agree or concerned; send again to change it.")


class ConsultationCommentInput(Input):
    body: str = Field(description="Plain text, up to 2,000 characters.")


class RuleOut(Output):
    key: str
    label: str
    current: str = Field(description="The rule as worded when the consultation opened.")
    url: str


class ConsultationSummary(Output):
    id: int
    title: str
    state: StateName
    rule: RuleOut
    opens_on: Day
    closes_on: Day
    effective_on: Day
    url: str

    @classmethod
    def of(cls, c: Consultation) -> ConsultationSummary:
        return cls(
            id=c.id,
            title=c.title,
            state=service.state(c),
            rule=RuleOut(
                key=c.rule_key, label=c.rule_label, current=c.rule_current, url=c.rule_url
            ),
            opens_on=day(c.opens_on),
            closes_on=day(c.closes_on),
            effective_on=day(c.effective_on),
            url=url_for("consultations_api.get_consultation", consultation_id=c.id),
        )


class ConsultationCommentOut(Output):
    id: int
    author: str
    body: str
    created_at: UtcTime

    @classmethod
    def of(cls, row: ConsultationComment, viewer: Person) -> ConsultationCommentOut:
        return cls(
            id=row.id,
            author=shown_name(viewer, row.author),
            body=row.body,
            created_at=iso_utc(row.created_at),
        )


class ResponseOut(Output):
    outcome: OutcomeName
    text: str
    published_at: UtcTime


class ConsultationDetail(ConsultationSummary):
    summary: str
    my_signal: SignalName | None = Field(description="Your signal, if you gave one.")
    comments: list[ConsultationCommentOut] = Field(description="The comments you may read.")
    response: ResponseOut | None = Field(description="The published response, once there is one.")

    @classmethod
    def of_for(
        cls, c: Consultation, viewer: Person, comments: list[ConsultationComment]
    ) -> ConsultationDetail:
        mine = service.signal_of(viewer, c)
        response = (
            ResponseOut(
                outcome=c.outcome.value, text=c.response, published_at=iso_utc(c.responded_at)
            )
            if c.outcome
            else None
        )
        return cls(
            **ConsultationSummary.of(c).model_dump(),
            summary=c.summary,
            my_signal=mine.value if mine else None,
            comments=[ConsultationCommentOut.of(row, viewer) for row in comments],
            response=response,
        )
