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
from feedback.ideas.status import SETTABLE, audience, change_status, history, notices
from feedback.ideas.triage import Filters, breakdown, ranked, set_weights, tier_counts, weights

__all__ = [
    "SETTABLE",
    "Filters",
    "audience",
    "breakdown",
    "can_comment",
    "can_post",
    "can_set_weights",
    "can_triage",
    "can_vote",
    "change_status",
    "comment",
    "get_visible",
    "has_voted",
    "history",
    "is_subscribed",
    "keep_photo",
    "notices",
    "post_idea",
    "product_lines",
    "ranked",
    "set_subscription",
    "set_weights",
    "shown_name",
    "similar",
    "threads",
    "tier_counts",
    "visible_ideas",
    "vote",
    "weights",
    "withdraw_vote",
]
