"""The ideas API's shapes: what it answers (built from the rules' objects) and what the
calls take (unknown fields refused; lengths and emptiness are the rules' sentences)."""

from __future__ import annotations

from flask import url_for
from pydantic import Field

from feedback.ideas import participation, status, tags
from feedback.ideas.access import shown_name
from feedback.ideas.models import Idea, IdeaComment, IdeaStatus, IdeaStatusChange
from hub.api import Input, NamedRef, Output, PageQuery, iso_utc
from hub.api.schemas import UtcTime, one_of
from hub.models import Person

StatusName = one_of(IdeaStatus)
SettableStatus = one_of(status.SETTABLE)


class IdeaQuery(PageQuery):
    product_line_id: int | None = Field(None, description="Only ideas for this product line.")
    status: StatusName | None = Field(None, description="Only ideas in this status.")
    q: str | None = Field(
        None,
        max_length=200,
        description=(
            "Words to search for (word forms and small typos match): the best matches, "
            "best first, on one page."
        ),
    )


class IdeaInput(Input):
    product_line_id: int = Field(description="The product line the idea is for.")
    title: str = Field(description="8 to 140 characters.")
    problem: str = Field(description="The customer's problem, up to 5,000 characters.")
    description: str = Field("", description="The idea itself, up to 5,000 characters.")


class CommentInput(Input):
    body: str = Field(description="Up to 3,000 characters.")
    parent_id: int | None = Field(None, description="The comment this replies to.")


class StatusInput(Input):
    status: SettableStatus = Field(description="The new status.")
    message: str = Field(
        description="Sent to everyone following the idea; for declined, the reason."
    )


class IdeaSummary(Output):
    id: int
    title: str
    product_line: NamedRef
    status: StatusName
    vote_count: int
    created_at: UtcTime
    url: str

    @classmethod
    def of(cls, idea: Idea) -> IdeaSummary:
        return cls(
            id=idea.id,
            title=idea.title,
            product_line=NamedRef.of(idea.product_line),
            status=idea.status.value,
            vote_count=idea.vote_count,
            created_at=iso_utc(idea.created_at),
            url=url_for("ideas_api.get_idea", idea_id=idea.id),
        )


class CommentOut(Output):
    id: int
    parent_id: int | None
    author: str
    body: str
    created_at: UtcTime

    @classmethod
    def of(cls, row: IdeaComment, viewer: Person) -> CommentOut:
        return cls(
            id=row.id,
            parent_id=row.parent_id,
            author=shown_name(viewer, row.author),
            body=row.body,
            created_at=iso_utc(row.created_at),
        )


class StatusChangeOut(Output):
    from_status: StatusName
    to_status: StatusName
    message: str
    changed_at: UtcTime
    notified_count: int

    @classmethod
    def of(cls, change: IdeaStatusChange) -> StatusChangeOut:
        return cls(
            from_status=change.from_status.value,
            to_status=change.to_status.value,
            message=change.message,
            changed_at=iso_utc(change.changed_at),
            notified_count=change.notified_count,
        )


class IdeaDetail(IdeaSummary):
    problem: str
    description: str
    author: str
    photos: list[str] = Field(description="URLs of the photos (for a signed-in browser).")
    voted: bool = Field(description="Whether you voted for it.")
    subscribed: bool = Field(description="Whether you hear about its status changes.")
    comments: list[CommentOut]
    history: list[StatusChangeOut]
    merged_into_id: int | None = Field(
        None, description="While merged: the idea it was merged into (its votes are there)."
    )
    tags: list[str] = Field(default_factory=list, description="The product managers' tags.")

    @classmethod
    def of_for(cls, idea: Idea, viewer: Person) -> IdeaDetail:
        comments = [
            CommentOut.of(row, viewer)
            for thread in participation.threads(idea)
            for row in (thread.comment, *thread.replies)
        ]
        return cls(
            **IdeaSummary.of(idea).model_dump(),
            problem=idea.problem,
            description=idea.description,
            author=shown_name(viewer, idea.author),
            photos=[url_for("feedback.idea_photo", file_id=p.file_id) for p in idea.photos],
            voted=participation.has_voted(viewer, idea),
            subscribed=participation.is_subscribed(viewer, idea),
            comments=comments,
            history=[StatusChangeOut.of(c) for c in status.history(idea)],
            merged_into_id=idea.merged_into_id,
            tags=tags.tags_of([idea.id]).get(idea.id, []),
        )
