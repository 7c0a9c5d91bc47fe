"""Links: what a conversation is about elsewhere in the hub (a campaign, …).

Hub does not name the features' things: each feature registers the kinds of link it
offers in its init_app (`registry(app).link_kinds.append("campaign")`), and a link is
checked against what is registered.
"""

from __future__ import annotations

from hub.errors import ValidationFailed
from hub.registry import registry


def check_link(kind, link_id) -> None:
    """Refuse a link of a kind no feature registered, or one without its id."""
    if kind is None:
        return
    kinds = registry().link_kinds
    if kind not in kinds or not isinstance(link_id, int):
        offered = ", ".join(kinds) or "none yet"
        raise ValidationFailed({"link_kind": [f"A link is one of {offered} with its id."]})
