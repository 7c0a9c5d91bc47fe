"""/api/v1/conversations: scoped lists, idempotent posts, messages after a sequence number,
and answers that match the OpenAPI document."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from hub.accounts import service as accounts
from hub.conversations import reads
from hub.conversations import service as conversations
from tests.hub.conversations.conftest import new_id


@pytest.fixture
def api(client, channel):
    """api(role).get/post(path, json=...): requests with that person's API token."""

    class Caller:
        def __init__(self, person):
            self.headers = {
                "Authorization": "Bearer " + accounts.create_api_token(person, "api test").secret
            }

        def get(self, path):
            return client.get(f"/api/v1{path}", headers=self.headers)

        def post(self, path, json):
            return client.post(f"/api/v1{path}", json=json, headers=self.headers)

    return lambda role: Caller(channel.people[role])


def validator(client, path: str, method: str, status: str) -> Draft202012Validator:
    document = client.get("/api/v1/openapi.json").json
    response = document["paths"][path][method]["responses"][status]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    media = next(iter(response["content"]))
    return Draft202012Validator({**document, **response["content"][media]["schema"]})


def test_a_partner_starts_a_conversation_and_a_retry_answers_200_with_the_same(
    client, covered, api
):
    marketer = api("dealer_marketer")
    body = {"subject": "Hydraulics", "body": "Whine at 500 h", "client_msg_id": new_id()}

    first = marketer.post("/conversations", body)
    again = marketer.post("/conversations", body)

    assert first.status_code == 201 and again.status_code == 200
    assert first.headers["Location"].endswith(f"/api/v1/conversations/{first.json['id']}")
    assert again.json == first.json
    created = first.json
    assert created["subject"] == "Hydraulics"
    assert created["status"] == "open"
    assert created["organization"] == {"id": covered.dealer.id, "name": "Test Dealer"}
    assert created["assignee"]["id"] == covered.people["channel_manager"].id
    assert created["last_seq"] == 1 and created["last_read_seq"] == 1
    validator(client, "/api/v1/conversations", "post", "201").validate(created)


def test_the_list_is_scoped_and_says_how_far_you_have_read(client, channel, start, say, api):
    mine = start()
    say(mine, "channel_manager", "Answer")
    theirs = start("other_marketer", subject="Theirs")

    listed = api("dealer_marketer").get("/conversations").json
    assert [c["id"] for c in listed["data"]] == [mine.id]
    assert listed["data"][0]["last_read_seq"] == 1 and listed["data"][0]["last_seq"] == 2
    assert listed["next_cursor"] is None
    validator(client, "/api/v1/conversations", "get", "200").validate(listed)

    manager = api("channel_manager").get("/conversations?status=waiting_on_partner").json
    assert [c["id"] for c in manager["data"]] == [mine.id]
    assert {c["id"] for c in api("program_admin").get("/conversations").json["data"]} == {
        mine.id,
        theirs.id,
    }
    assert api("product_manager").get("/conversations").json["data"] == []


def test_another_dealers_conversation_is_404_everywhere(channel, start, api):
    theirs = start("other_marketer")
    marketer = api("dealer_marketer")

    assert marketer.get(f"/conversations/{theirs.id}").status_code == 404
    assert marketer.get(f"/conversations/{theirs.id}/messages").status_code == 404
    response = marketer.post(
        f"/conversations/{theirs.id}/messages", {"client_msg_id": new_id(), "body": "Hi"}
    )
    assert response.status_code == 404
    assert response.json["detail"].startswith("Nothing here")
    assert theirs.last_seq == 1


def test_posting_a_message_is_idempotent_by_client_msg_id(client, covered, start, api):
    conversation = start()
    marketer = api("dealer_marketer")
    body = {"client_msg_id": new_id(), "body": "Any news?"}

    first = marketer.post(f"/conversations/{conversation.id}/messages", body)
    again = marketer.post(f"/conversations/{conversation.id}/messages", body)
    clash = marketer.post(
        f"/conversations/{conversation.id}/messages", {**body, "body": "Something else"}
    )

    assert (first.status_code, again.status_code, clash.status_code) == (201, 200, 409)
    assert again.json == first.json
    assert first.json["seq"] == 2 and first.json["client_msg_id"] == body["client_msg_id"]
    assert first.json["author"] == {
        "id": covered.people["dealer_marketer"].id,
        "name": covered.people["dealer_marketer"].name,
    }
    assert clash.json["errors"][0]["field"] == "client_msg_id"
    validator(client, "/api/v1/conversations/{conversation_id}/messages", "post", "201").validate(
        first.json
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "No id"}, "client_msg_id"),
        ({"client_msg_id": "x", "body": ""}, "body"),
        ({"client_msg_id": "x", "body": "y" * 5001}, "body"),
        ({"client_msg_id": "x", "body": "Hi", "urgent": True}, "urgent"),
    ],
)
def test_a_message_that_cannot_be_accepted_is_a_422_by_field(
    client, covered, start, api, body, field
):
    conversation = start()
    response = api("dealer_marketer").post(f"/conversations/{conversation.id}/messages", body)

    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == [field]
    validator(client, "/api/v1/conversations/{conversation_id}/messages", "post", "422").validate(
        response.json
    )


def test_sending_too_fast_answers_429_with_retry_after(covered, start, api):
    conversation = start()
    marketer = api("dealer_marketer")
    statuses = [
        marketer.post(
            f"/conversations/{conversation.id}/messages", {"client_msg_id": new_id(), "body": "x"}
        ).status_code
        for _ in range(conversations.RATE_LIMIT)
    ]

    assert statuses[:-1] == [201] * (conversations.RATE_LIMIT - 1)
    assert statuses[-1] == 429
    response = marketer.post(
        f"/conversations/{conversation.id}/messages", {"client_msg_id": new_id(), "body": "x"}
    )
    assert response.headers["Retry-After"] == "30"
    assert "Wait a few seconds" in response.json["detail"]


def test_messages_after_a_sequence_number_page_in_order_without_gaps(
    client, covered, start, say, api
):
    conversation = start()
    for n in range(2, 8):
        say(conversation, "channel_manager", f"message {n}")
    marketer = api("dealer_marketer")

    seen, after = [], 2
    while after is not None:
        page = marketer.get(f"/conversations/{conversation.id}/messages?after_seq={after}&limit=2")
        assert page.status_code == 200
        validator(
            client, "/api/v1/conversations/{conversation_id}/messages", "get", "200"
        ).validate(page.json)
        seen += [m["seq"] for m in page.json["data"]]
        after = page.json["next_after_seq"]

    assert seen == [3, 4, 5, 6, 7]
    assert marketer.get(f"/conversations/{conversation.id}/messages?after_seq=x").status_code == 400
    assert (
        marketer.get(f"/conversations/{conversation.id}/messages?after_seq=-1").status_code == 400
    )


def test_oem_staff_are_refused_starting_with_403(api):
    response = api("channel_manager").post("/conversations", {"subject": "S", "body": "B"})
    assert response.status_code == 403
    assert "started by partner staff" in response.json["detail"]


def test_one_conversation_matches_its_schema(client, covered, start, api):
    conversation = start()
    response = api("channel_manager").get(f"/conversations/{conversation.id}")
    assert response.status_code == 200
    validator(client, "/api/v1/conversations/{conversation_id}", "get", "200").validate(
        response.json
    )
    assert response.json["last_read_seq"] == 0  # assigned: takes part, has not read yet


# --- Hand-off, status and read position over the API ------------------------------------------


@pytest.fixture
def call_api(client, channel):
    """call_api(role, method, path, json=None): a request with that person's API token."""

    tokens: dict[str, str] = {}

    def _call(role, method, path, json=None):
        if role not in tokens:
            tokens[role] = accounts.create_api_token(channel.people[role], "api calls").secret
        token = tokens[role]
        return client.open(
            f"/api/v1{path}", method=method, json=json, headers={"Authorization": f"Bearer {token}"}
        )

    return _call


def test_the_channel_manager_hands_off_and_the_product_manager_accepts_over_the_api(
    client, covered, start, balers, call_api
):
    conversation = start(product_line_id=balers.id)
    pm = covered.people["product_manager"]
    path = f"/conversations/{conversation.id}"

    handed = call_api(
        "channel_manager", "POST", f"{path}/handoff", {"to_person_id": pm.id, "note": "Knotter"}
    )
    assert handed.status_code == 201
    validator(client, "/api/v1/conversations/{conversation_id}/handoff", "post", "201").validate(
        handed.json
    )
    assert handed.json["to"] == {"id": pm.id, "name": pm.name}
    assert handed.json["note"] == "Knotter" and handed.json["accepted_at"] is None

    seen = call_api("product_manager", "GET", path)
    assert seen.status_code == 200 and seen.json["assignee"]["id"] == pm.id
    accepted = call_api("product_manager", "POST", f"{path}/handoff/accept")
    assert accepted.status_code == 200 and accepted.json["id"] == handed.json["id"]
    assert accepted.json["accepted_at"] is not None
    again = call_api("product_manager", "POST", f"{path}/handoff/accept")
    assert again.status_code == 403
    assert again.json["detail"] == "There is no hand-off waiting for you in this conversation."
    bodies = [m.body for m in conversations.messages_after(conversation)]
    assert any("handed this conversation to" in b for b in bodies)
    assert bodies[-1] == f"{pm.name} accepted the conversation."


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("dealer_marketer", 403),  # partners don't hand off
        ("partner_staff", 403),
        ("other_marketer", 404),  # outside their scope
        ("distributor_admin", 404),
        ("product_manager", 404),  # not handed to them
    ],
)
def test_hand_off_is_refused_by_role_and_scope(covered, start, balers, call_api, role, status):
    conversation = start(product_line_id=balers.id)
    response = call_api(
        role,
        "POST",
        f"/conversations/{conversation.id}/handoff",
        {"to_person_id": covered.people["product_manager"].id},
    )
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert conversation.assignee_id == covered.people["channel_manager"].id


def test_a_hand_off_to_someone_not_offered_is_a_422_naming_the_field(covered, start, call_api):
    conversation = start()
    response = call_api(
        "channel_manager",
        "POST",
        f"/conversations/{conversation.id}/handoff",
        {"to_person_id": covered.people["other_marketer"].id, "note": "x"},
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "to_person_id"
    unknown = call_api(
        "channel_manager", "POST", f"/conversations/{conversation.id}/handoff", {"to": 1}
    )
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "to"


def test_status_changes_follow_the_role(client, covered, start, call_api):
    conversation = start()
    path = f"/conversations/{conversation.id}"

    resolved = call_api("dealer_marketer", "PATCH", path, {"status": "resolved"})
    assert resolved.status_code == 200 and resolved.json["status"] == "resolved"
    assert resolved.json["resolved_at"] is not None
    validator(client, "/api/v1/conversations/{conversation_id}", "patch", "200").validate(
        resolved.json
    )
    refused = call_api("dealer_marketer", "PATCH", path, {"status": "waiting_on_partner"})
    assert refused.status_code == 403
    assert refused.json["detail"] == "Partners may resolve a conversation or reopen it."
    waiting = call_api("channel_manager", "PATCH", path, {"status": "waiting_on_partner"})
    assert waiting.status_code == 200 and waiting.json["resolved_at"] is None
    bad = call_api("channel_manager", "PATCH", path, {"status": "closed"})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "status"
    assert call_api("channel_manager", "PATCH", path, {}).status_code == 422
    assert call_api("other_marketer", "PATCH", path, {"status": "resolved"}).status_code == 404


def test_the_read_position_moves_forward_only_and_outsiders_get_404(covered, start, say, call_api):
    conversation = start()
    for n in range(3):
        say(conversation, "channel_manager", f"Answer {n}")
    path = f"/conversations/{conversation.id}/read"

    assert call_api("dealer_marketer", "POST", path, {"seq": 3}).json["last_read_seq"] == 3
    assert call_api("dealer_marketer", "POST", path, {"seq": 2}).json["last_read_seq"] == 3
    assert call_api("dealer_marketer", "POST", path, {"seq": 99}).json["last_read_seq"] == 4
    assert call_api("dealer_marketer", "POST", path, {"seq": -1}).status_code == 422
    assert call_api("dealer_marketer", "POST", path, {"seq": "4"}).status_code == 422
    assert call_api("other_marketer", "POST", path, {"seq": 1}).status_code == 404
    assert reads.unread_conversation_count(covered.people["dealer_marketer"]) == 0
