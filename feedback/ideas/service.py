"""The ideas capability's public names, for callers outside the folder (the demo, the
CLI, tests, benchmarks). Code inside the folder imports the rules modules directly."""

from feedback.ideas.access import (
    can_comment,
    can_post,
    can_set_weights,
    can_triage,
    can_vote,
    get_visible,
    shown_name,
    visible_ideas,
)
from feedback.ideas.evidence import attach as attach_evidence
from feedback.ideas.evidence import evidence_for, idea_from_message
from feedback.ideas.merging import current_merge, merge, merges_into, why_not_undoable
from feedback.ideas.merging import undo as undo_merge
from feedback.ideas.moves import LISTENERS as STATUS_LISTENERS
from feedback.ideas.moves import move
from feedback.ideas.participation import (
    comment,
    has_voted,
    is_subscribed,
    set_subscription,
    threads,
    vote,
    withdraw_vote,
)
from feedback.ideas.posting import keep_photo, post_idea, product_lines
from feedback.ideas.search import similar
from feedback.ideas.shipped import shipped_for
from feedback.ideas.status import SETTABLE, audience, change_status, history, notices
from feedback.ideas.tags import normalise as normalise_tag
from feedback.ideas.tags import parse as parse_tags
from feedback.ideas.tags import set_tags as set_idea_tags
from feedback.ideas.tags import tags_of as idea_tags_of
from feedback.ideas.triage import Filters, breakdown, ranked, set_weights, tier_counts, weights

__all__ = [
    "SETTABLE",
    "STATUS_LISTENERS",
    "Filters",
    "attach_evidence",
    "audience",
    "breakdown",
    "can_comment",
    "can_post",
    "can_set_weights",
    "can_triage",
    "can_vote",
    "change_status",
    "comment",
    "current_merge",
    "evidence_for",
    "get_visible",
    "has_voted",
    "history",
    "idea_from_message",
    "idea_tags_of",
    "is_subscribed",
    "keep_photo",
    "merge",
    "merges_into",
    "move",
    "normalise_tag",
    "notices",
    "parse_tags",
    "post_idea",
    "product_lines",
    "ranked",
    "set_idea_tags",
    "set_subscription",
    "set_weights",
    "shipped_for",
    "shown_name",
    "similar",
    "threads",
    "tier_counts",
    "undo_merge",
    "visible_ideas",
    "vote",
    "weights",
    "why_not_undoable",
    "withdraw_vote",
]
