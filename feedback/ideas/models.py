"""Ideas from the channel: the idea with its photos, one vote per person, comments with
replies, who follows it, every status change with its message and who was told, and the
weight each tier's votes carry in the product managers' triage.

Full-text search lives beside these tables but outside the models (feedback.ideas.search):
on SQLite two FTS5 tables kept in sync by triggers, on PostgreSQL a generated tsvector
column and trigram index. The migration creates them; DATABASE_ONLY names them so the
models-versus-migrations check leaves them be.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.conversations.models import Message
from hub.db import Base, enum_type, utcnow
from hub.models import Organization, Person, ProductLine, StoredFile

# Search objects the migration makes per database (see feedback.ideas.search).
DATABASE_ONLY = {
    "idea_fts",
    "idea_fts_config",
    "idea_fts_data",
    "idea_fts_docsize",
    "idea_fts_idx",
    "idea_trigram",
    "idea_trigram_config",
    "idea_trigram_data",
    "idea_trigram_docsize",
    "idea_trigram_idx",
    "idea.search_vector",
    "ix_idea_search_vector",
    "idea.title_vector",
    "ix_idea_title_vector",
    "idea_title_word",
    "ix_idea_title_word_trgm",
}
Base.metadata.info.setdefault("database_only", set()).update(DATABASE_ONLY)

TITLE_MAX = 140
TEXT_MAX = 5000
COMMENT_MAX = 3000
MESSAGE_MAX = 2000


class IdeaStatus(enum.StrEnum):
    NEW = "new"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    IN_BETA = "in_beta"
    SHIPPED = "shipped"
    DECLINED = "declined"
    MERGED = "merged"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Ideas that are done with: they take no votes, and triage leaves them out by default.
CLOSED_STATUSES = frozenset({IdeaStatus.SHIPPED, IdeaStatus.DECLINED, IdeaStatus.MERGED})


class Idea(Base):
    """An idea a partner user posted against a product line."""

    __tablename__ = "idea"
    __table_args__ = (
        sa.Index("ix_idea_line_status", "product_line_id", "status"),
        # The boards, most votes first, all lines or one (bench.ideas, 0020_ideas_bench).
        sa.Index("ix_idea_votes", "vote_count", "id"),
        sa.Index("ix_idea_line_votes", "product_line_id", "vote_count", "id"),
        sa.CheckConstraint("vote_count >= 0", name="vote_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_line_id: Mapped[int] = mapped_column(sa.ForeignKey("product_line.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[IdeaStatus] = mapped_column(enum_type(IdeaStatus), default=IdeaStatus.NEW)
    # Kept equal to the number of IdeaVote rows by feedback.ideas.votes (one UPDATE per
    # vote), so boards sort by votes without counting.
    vote_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set while the idea is merged into another (feedback.ideas.merging); None otherwise.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea.id"), index=True)
    # When a product manager turned a conversation message into this idea: who did, and
    # the message (the author is the partner who wrote it; feedback.ideas.evidence).
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    source_message_id: Mapped[int | None] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.ForeignKey("message.id"),
    )

    product_line: Mapped[ProductLine] = relationship(lazy="joined", innerjoin=True)
    author: Mapped[Person] = relationship(lazy="joined", innerjoin=True, foreign_keys=[author_id])
    organization: Mapped[Organization] = relationship()
    filed_by: Mapped[Person | None] = relationship(foreign_keys=[filed_by_id], lazy="selectin")
    photos: Mapped[list[IdeaPhoto]] = relationship(order_by="IdeaPhoto.id", lazy="selectin")

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.title!r} {self.status.value}>"


class IdeaPhoto(Base):
    """A photo of an idea: a checked, re-encoded image (hub.uploads)."""

    __tablename__ = "idea_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"), unique=True)

    file: Mapped[StoredFile] = relationship(lazy="joined", innerjoin=True)


class IdeaVote(Base):
    """One person's vote for an idea (a second one is refused by the key)."""

    __tablename__ = "idea_vote"

    idea_id: Mapped[int] = mapped_column(
        sa.ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdeaComment(Base):
    """A comment on an idea, or a reply to one (one level of replies)."""

    __tablename__ = "idea_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea_comment.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class IdeaSubscription(Base):
    """Whether a person hears about an idea's status changes. Posting, voting and
    commenting follow an idea; unsubscribing keeps the row with active=False, so a later
    vote or comment does not follow it again behind the person's back."""

    __tablename__ = "idea_subscription"

    idea_id: Mapped[int] = mapped_column(
        sa.ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IdeaStatusChange(Base):
    """A status change with the product manager's message (the reason, when declined)."""

    __tablename__ = "idea_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[IdeaStatus] = mapped_column(enum_type(IdeaStatus))
    to_status: Mapped[IdeaStatus] = mapped_column(enum_type(IdeaStatus))
    message: Mapped[str] = mapped_column(sa.Text)
    changed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_count: Mapped[int] = mapped_column(default=0)

    changed_by: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    # Set when the audience is told after the request (feedback.ideas.fanout).
    fanout: Mapped[IdeaFanout | None] = relationship()


class IdeaNotice(Base):
    """Who was told of a status change (in the app and by e-mail): one row per person."""

    __tablename__ = "idea_notice"

    change_id: Mapped[int] = mapped_column(
        sa.ForeignKey("idea_status_change.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    notified_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdeaFanout(Base):
    """A status change whose audience is told after the request (feedback.ideas.fanout):
    where to link, how many were to be told, and when the last of them was."""

    __tablename__ = "idea_fanout"

    change_id: Mapped[int] = mapped_column(
        sa.ForeignKey("idea_status_change.id", ondelete="CASCADE"), primary_key=True
    )
    link: Mapped[str] = mapped_column(sa.String(500))  # the idea page, for e-mails
    path: Mapped[str] = mapped_column(sa.String(300))  # the same, for in-app notifications
    audience: Mapped[int] = mapped_column(default=0)  # followers when the change was made
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(index=True)


class IdeaTierWeight(Base):
    """How much one vote from a partner of this tier counts in the weighted score (a tier
    without a row counts 1; a partner without a tier counts 1 too)."""

    __tablename__ = "idea_tier_weight"
    __table_args__ = (sa.CheckConstraint("weight >= 0", name="weight_not_negative"),)

    tier_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tier.id", ondelete="CASCADE"), primary_key=True
    )
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("1"))


TAG_MAX = 40


class IdeaTag(Base):
    """A product manager's tag on an idea: free words, kept lower-case (feedback.ideas.tags)."""

    __tablename__ = "idea_tag"

    idea_id: Mapped[int] = mapped_column(
        sa.ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(TAG_MAX), primary_key=True, index=True)


class IdeaMerge(Base):
    """Idea `source` merged into `target`, with exactly what moved, so it can be undone.

    `moved` (JSON) holds, for the source's rows at the time of the merge: "votes_moved"
    and "votes_dropped" (person id and when they voted; dropped = the person had voted
    for the target too), "comments" (ids), "subs_moved" and "subs_dropped" (person id,
    active, updated_at). `source_status` and `source_status_changed_at` are the source's
    status before; `target_vote_count` the target's count before.
    """

    __tablename__ = "idea_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    source_status: Mapped[IdeaStatus] = mapped_column(enum_type(IdeaStatus))
    source_status_changed_at: Mapped[datetime]
    target_vote_count: Mapped[int]
    moved: Mapped[dict] = mapped_column(sa.JSON)
    message: Mapped[str] = mapped_column(sa.Text)
    merged_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    undone_at: Mapped[datetime | None]

    source: Mapped[Idea] = relationship(foreign_keys=[source_id])
    target: Mapped[Idea] = relationship(foreign_keys=[target_id])
    merged_by: Mapped[Person] = relationship(foreign_keys=[merged_by_id], lazy="joined")


class IdeaEvidence(Base):
    """A conversation message a product manager attached to an idea as evidence."""

    __tablename__ = "idea_evidence"
    __table_args__ = (
        sa.UniqueConstraint("idea_id", "message_id", name="uq_idea_evidence_message"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.ForeignKey("message.id", ondelete="CASCADE"),
        index=True,
    )
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversation.id", ondelete="CASCADE")
    )
    # The partner organisation the conversation is with (the evidence's origin).
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    added_by: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    message: Mapped[Message] = relationship(lazy="joined", innerjoin=True)
