"""Access cases for merging, tags, conversation → idea and the shipped page (see
tests/access.py). Product managers and program admins merge and tag; only the product
manager handling a conversation turns its messages into ideas or evidence (a
conversation the viewer can't see is a 404); the shipped page of an organisation
outside a partner's scope is a 404."""

import sqlalchemy as sa

from feedback.ideas import service as ideas
from hub import db
from hub.conversations import handoff as handoffs
from hub.conversations import service as conversations
from hub.conversations.models import Message
from tests.access import ROLES, Case
from tests.feedback.ideas.support import post

LOGIN = 302
TRIAGERS = ("program_admin", "product_manager")


def _only(roles, yes, no):
    return {
        "anonymous": LOGIN,
        **{r: (yes if r in roles else no) for r in ROLES if r != "anonymous"},
    }


def _idea(c):
    return post(c.people["dealer_marketer"], c.product_line)


def _merge(c):
    source = _idea(c)
    target = post(c.people["other_marketer"], c.product_line, "Mower deck quick attach")
    record = ideas.merge(
        c.people["product_manager"], source, str(target.id), "Duplicate.", link="l", path="p"
    )
    return f"/feedback/ideas/merges/{record.id}/undo"


def _handed_message(c) -> int:
    """The first message of a conversation the dealer's marketer started and the channel
    manager handed to the product manager."""
    started, _ = conversations.start_conversation(
        c.people["dealer_marketer"], "Deck swaps", "Customers want the deck to swap in a minute."
    )
    handoffs.hand_off(c.people["channel_manager"], started, c.people["product_manager"], "idea?")
    return db.session.scalar(
        sa.select(Message.id).where(Message.conversation_id == started.id, Message.seq == 1)
    )


# The handling product manager: yes. Who sees the conversation but doesn't handle it
# (program admin, the channel manager who handed it, the dealer's people): 403. The
# distributor's admin doesn't see a dealer's conversation: 404.
HANDLER = {
    "anonymous": LOGIN,
    "product_manager": 200,
    "program_admin": 403,
    "channel_manager": 403,
    "distributor_admin": 404,
    "partner_admin": 403,
    "dealer_marketer": 403,
    "partner_staff": 403,
}


def _other_org(c):
    return f"/feedback/shipped?org={c.other_dealer.id}"


def _own_org(c):
    return f"/feedback/shipped?org={c.dealer.id}"


ACCESS_CASES = {
    "feedback.idea_merge": [
        Case(
            "POST",
            lambda c: f"/feedback/ideas/{_idea(c).id}/merge",
            _only(TRIAGERS, 422, 403),
            data={"target": "", "reason": ""},
            note="an empty merge is refused with sentences on the idea page",
        )
    ],
    "feedback.idea_merge_undo": [
        Case("POST", _merge, _only(TRIAGERS, 303, 403)),
        Case("POST", "/feedback/ideas/merges/999999/undo", {"anonymous": LOGIN}, default=404),
    ],
    "feedback.idea_tags": [
        Case(
            "POST",
            lambda c: f"/feedback/ideas/{_idea(c).id}/tags",
            _only(TRIAGERS, 303, 403),
            data={"tags": "Hydraulics, cab comfort"},
        )
    ],
    "feedback.idea_from_message": [
        Case("GET", lambda c: f"/feedback/ideas/from-message/{_handed_message(c)}", HANDLER),
        Case(
            "POST",
            lambda c: f"/feedback/ideas/from-message/{_handed_message(c)}",
            {**HANDLER, "product_manager": 422},
            data={"title": "", "problem": ""},
        ),
        Case("GET", "/feedback/ideas/from-message/999999", {"anonymous": LOGIN}, default=404),
    ],
    "feedback.idea_evidence_new": [
        Case("GET", lambda c: f"/feedback/ideas/evidence/{_handed_message(c)}", HANDLER),
        Case(
            "POST",
            lambda c: f"/feedback/ideas/evidence/{_handed_message(c)}",
            {**HANDLER, "product_manager": 422},
            data={"idea_id": "", "note": ""},
            note="no idea chosen",
        ),
    ],
    "feedback.idea_shipped": [
        Case("GET", "/feedback/shipped", _only(ROLES, 200, 200)),
        Case(
            "GET",
            _own_org,
            _only(("program_admin", "channel_manager", "product_manager"), 200, 200),
            note="the dealer's page: its people, its distributor and the OEM",
        ),
        Case(
            "GET",
            _other_org,
            _only(("program_admin", "channel_manager", "product_manager"), 200, 404),
            note="another distributor's dealer: out of every partner's scope",
        ),
    ],
}
