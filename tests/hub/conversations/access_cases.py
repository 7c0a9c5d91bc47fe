"""Access cases for the conversation pages and API (see tests/access.py).

Each case starts its conversation inside the test (the path functions below), through
the rules themselves. The `channel` fixture has no territory assignments, so a new
conversation waits in the channel team's queue: every channel manager sees it.
"""

import io
import uuid

from PIL import Image

from hub import db, uploads
from hub.conversations import attachments
from hub.conversations import handoff as handoffs
from hub.conversations import service as conversations
from tests.access import Case

LOGIN = 302
NO_TOKEN = 401
DEALER_PEOPLE = ("partner_admin", "dealer_marketer", "partner_staff")


def _started_by(key: str, handed_to: str | None = None):
    """A function of the channel fixture: the conversation that person started (made once
    per test), handed by the channel manager to `handed_to` when given."""

    def conversation(c):
        cache = c.__dict__.setdefault("_conversations", {})
        if (key, handed_to) not in cache:
            started, _ = conversations.start_conversation(
                c.people[key], "Access check", "Is this visible?"
            )
            if handed_to:
                handoffs.hand_off(
                    c.people["channel_manager"], started, c.people[handed_to], "for you"
                )
            cache[(key, handed_to)] = started
        return cache[(key, handed_to)]

    return conversation


def _expert_line(c) -> int:
    """The id of the channel's product line, its product manager made its expert (once)."""
    line = c.product_line
    if not line.managers:
        line.managers.append(c.people["product_manager"])
        db.session.flush()
    return line.id


def _ask(c) -> str:
    return f"/conversations/new?product_line={_expert_line(c)}"


DEALERS = _started_by("dealer_marketer")
OTHER = _started_by("other_marketer")
HANDED = _started_by("dealer_marketer", handed_to="product_manager")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 60)).save(out, format="PNG")
    return out.getvalue()


def _file_of(conversation, c) -> int:
    """The id of an image its starter sent in the conversation (made once)."""
    cache = c.__dict__.setdefault("_files", {})
    if conversation not in cache:
        started = conversation(c)
        message, _ = conversations.send_message(
            started.created_by,
            started,
            str(uuid.uuid4()),
            "A photo",
            files=[uploads.accept_upload(_png(), "photo.png", "image/png")],
        )
        cache[conversation] = attachments.attachments_of([message.id])[message.id][0].id
    return cache[conversation]


def _file_path(conversation):
    return lambda c: f"/conversations/{conversation(c).id}/files/{_file_of(conversation, c)}"


def _path(conversation, suffix: str = "", prefix: str = ""):
    return lambda c: f"{prefix}/conversations/{conversation(c).id}{suffix}"


# Who sees the dealer marketer's conversation (in the queue): the program admin, every
# channel manager, and the people of the dealer. Not its distributor, not a product manager.
SEES_DEALERS = {"program_admin": 200, "channel_manager": 200, **dict.fromkeys(DEALER_PEOPLE, 200)}
SEES_OTHER = {"program_admin": 200, "channel_manager": 200}


def _pages(expect: dict[str, int], status: int) -> dict[str, int]:
    return {"anonymous": LOGIN, **{role: status for role in expect}}


def _api(expect: dict[str, int], status: int) -> dict[str, int]:
    return {"anonymous": NO_TOKEN, **{role: status for role in expect}}


ACCESS_CASES = {
    "conversations.index": [
        Case("GET", "/conversations", {"anonymous": LOGIN}, default=200),
        Case("GET", "/conversations?state=queue", {"anonymous": LOGIN}, default=200),
    ],
    "conversations.start": [
        Case(
            "POST",
            "/conversations",
            {
                "anonymous": LOGIN,
                "program_admin": 403,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=303,
            data={"subject": "A question", "product_line_id": "", "body": "Hello"},
            note="partners start conversations; OEM staff answer them",
        ),
        Case(
            "POST",
            "/conversations",
            {
                "anonymous": LOGIN,
                "program_admin": 403,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=303,
            data=lambda c: {
                "subject": "Question about Balers",
                "product_line_id": str(_expert_line(c)),
                "to_product_manager": "1",
                "body": "Hello",
            },
            note="asking a product expert: partners only",
        ),
    ],
    "conversations.ask_expert": [
        Case(
            "GET",
            _ask,
            {
                "anonymous": LOGIN,
                "program_admin": 403,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=200,
            note="the ask-a-product-expert form is for partners",
        ),
        Case(
            "GET",
            "/conversations/new?product_line=999999",
            {
                "anonymous": LOGIN,
                "program_admin": 403,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=303,
            note="a line without a product manager: the ordinary start form",
        ),
    ],
    "conversations.detail": [
        Case("GET", _path(DEALERS), _pages(SEES_DEALERS, 200), default=404),
        Case("GET", _path(OTHER), _pages(SEES_OTHER, 200), default=404),
        Case(
            "GET",
            _path(HANDED),
            _pages({**SEES_DEALERS, "product_manager": 200}, 200),
            default=404,
            note="a product manager sees what is handed to them",
        ),
        Case("GET", "/conversations/999999", {"anonymous": LOGIN}, default=404),
    ],
    "conversations.live_parts": [
        Case("GET", _path(DEALERS, "/parts"), _pages(SEES_DEALERS, 200), default=404),
        Case("GET", _path(OTHER, "/parts"), _pages(SEES_OTHER, 200), default=404),
        Case(
            "GET",
            _path(HANDED, "/parts"),
            _pages({**SEES_DEALERS, "product_manager": 200}, 200),
            default=404,
            note="a product manager sees what is handed to them",
        ),
        Case("GET", "/conversations/999999/parts", {"anonymous": LOGIN}, default=404),
    ],
    "conversations.post_message": [
        Case(
            "POST",
            _path(DEALERS, "/messages"),
            _pages(SEES_DEALERS, 303),
            default=404,
            data={"body": "Thanks!", "client_msg_id": "access-check-1"},
        ),
        Case(
            "POST",
            _path(OTHER, "/messages"),
            _pages(SEES_OTHER, 303),
            default=404,
            data={"body": "Thanks!", "client_msg_id": "access-check-2"},
        ),
    ],
    "conversations.handoff": [
        Case(
            "POST",
            _path(DEALERS, "/handoff"),
            {
                "anonymous": LOGIN,
                "program_admin": 303,
                "channel_manager": 303,
                **dict.fromkeys(DEALER_PEOPLE, 403),
            },
            default=404,
            data=lambda c: {"to_person_id": str(c.people["product_manager"].id), "note": "n"},
            note="only OEM staff hand off",
        )
    ],
    "conversations.accept": [
        Case(
            "POST",
            _path(HANDED, "/accept"),
            {
                "anonymous": LOGIN,
                "product_manager": 303,
                "program_admin": 403,
                "channel_manager": 403,
                **dict.fromkeys(DEALER_PEOPLE, 403),
            },
            default=404,
            note="only the receiver accepts a hand-off",
        )
    ],
    "conversations.take": [
        Case(
            "POST",
            _path(DEALERS, "/take"),
            {
                "anonymous": LOGIN,
                "channel_manager": 303,
                "program_admin": 403,
                **dict.fromkeys(DEALER_PEOPLE, 403),
            },
            default=404,
            note="channel managers take conversations from the queue",
        )
    ],
    "conversations.change_status": [
        Case(
            "POST",
            _path(DEALERS, "/status"),
            _pages(SEES_DEALERS, 303),
            default=404,
            data={"status": "resolved"},
        ),
        Case(
            "POST",
            _path(DEALERS, "/status"),
            {
                "anonymous": LOGIN,
                "program_admin": 303,
                "channel_manager": 303,
                **dict.fromkeys(DEALER_PEOPLE, 403),
            },
            default=404,
            data={"status": "waiting_on_partner"},
            note="partners may only resolve or reopen",
        ),
    ],
    "conversations.upload": [
        Case(
            "POST",
            _path(DEALERS, "/attachments"),
            _pages(SEES_DEALERS, 201),
            default=404,
            data=lambda c: {"file": (io.BytesIO(_png()), "photo.png")},
            note="upload-then-send from the page's script",
        )
    ],
    "conversation_files.attachment": [
        Case("GET", _file_path(DEALERS), _pages(SEES_DEALERS, 200), default=404),
        Case(
            "GET",
            _file_path(DEALERS),
            _pages(SEES_DEALERS, 200),
            default=404,
            json=True,
            note="the same URL answers an API token",
        ),
        Case("GET", _file_path(OTHER), _pages(SEES_OTHER, 200), default=404),
        Case(
            "GET",
            lambda c: f"/conversations/{DEALERS(c).id}/files/999999",
            {"anonymous": LOGIN},
            default=404,
        ),
    ],
    "conversations_api.upload_attachment_api": [
        Case(
            "POST",
            _path(DEALERS, "/attachments", prefix="/api/v1"),
            _api(SEES_DEALERS, 415),
            default=404,
            data={"file": "not multipart"},
            json=True,
            note="scope first (404), then the body must be multipart (415)",
        )
    ],
    "conversations_api.handoff_api": [
        Case(
            "POST",
            _path(DEALERS, "/handoff", prefix="/api/v1"),
            {
                "anonymous": NO_TOKEN,
                "program_admin": 201,
                "channel_manager": 201,
                **dict.fromkeys(DEALER_PEOPLE, 403),
            },
            default=404,
            data=lambda c: {"to_person_id": c.people["product_manager"].id, "note": "n"},
            json=True,
            note="only OEM staff hand off",
        )
    ],
    "conversations_api.accept_handoff_api": [
        Case(
            "POST",
            _path(HANDED, "/handoff/accept", prefix="/api/v1"),
            {
                "anonymous": NO_TOKEN,
                "product_manager": 200,
                "program_admin": 403,
                "channel_manager": 403,
                **dict.fromkeys(DEALER_PEOPLE, 403),
            },
            default=404,
            json=True,
            note="only the receiver accepts a hand-off",
        )
    ],
    "conversations_api.update_conversation": [
        Case(
            "PATCH",
            _path(DEALERS, prefix="/api/v1"),
            _api(SEES_DEALERS, 200),
            default=404,
            data={"status": "resolved"},
            json=True,
        ),
        Case(
            "PATCH",
            _path(DEALERS, prefix="/api/v1"),
            {
                "anonymous": NO_TOKEN,
                "program_admin": 200,
                "channel_manager": 200,
                **dict.fromkeys(DEALER_PEOPLE, 403),
            },
            default=404,
            data={"status": "waiting_on_partner"},
            json=True,
            note="partners may only resolve or reopen",
        ),
    ],
    "conversations_api.read_api": [
        Case(
            "POST",
            _path(DEALERS, "/read", prefix="/api/v1"),
            _api(SEES_DEALERS, 200),
            default=404,
            data={"seq": 1},
            json=True,
        )
    ],
    "conversations_api.list_conversations": [
        Case("GET", "/api/v1/conversations", {"anonymous": NO_TOKEN}, default=200, json=True)
    ],
    "conversations_api.create_conversation": [
        Case(
            "POST",
            "/api/v1/conversations",
            {
                "anonymous": NO_TOKEN,
                "program_admin": 403,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=201,
            data={"subject": "From the API", "body": "Hello"},
            json=True,
        )
    ],
    "conversations_api.get_conversation": [
        Case(
            "GET", _path(DEALERS, prefix="/api/v1"), _api(SEES_DEALERS, 200), default=404, json=True
        ),
        Case("GET", _path(OTHER, prefix="/api/v1"), _api(SEES_OTHER, 200), default=404, json=True),
    ],
    "conversations_api.list_messages": [
        Case(
            "GET",
            _path(DEALERS, "/messages?after_seq=0", prefix="/api/v1"),
            _api(SEES_DEALERS, 200),
            default=404,
            json=True,
        )
    ],
    "conversations_api.post_message_api": [
        Case(
            "POST",
            _path(DEALERS, "/messages", prefix="/api/v1"),
            _api(SEES_DEALERS, 201),
            default=404,
            data={"client_msg_id": "access-check-3", "body": "From the API"},
            json=True,
        )
    ],
}
