"""The shapes of the conversations API (/api/v1/conversations).

Messages are built by hub.conversations.service.message_json, which the socket protocol
shares (docs/realtime.md); ConversationMessage describes (and checks) what it gives.
Bodies whose values the service checks (with the sentences the pages show) take them
loose; the models refuse unknown fields and, where the API alone checked, wrong types.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from hub.api import Input, LimitQuery, NamedRef, Output, PageQuery, iso_utc
from hub.api.schemas import UtcTime, file_part, loose, one_of
from hub.conversations.attachments import MAX_ATTACHMENTS, attachment_json
from hub.conversations.handoff import MAX_NOTE
from hub.conversations.models import ConversationStatus
from hub.conversations.service import MAX_BODY, MAX_CLIENT_MSG_ID, MAX_SUBJECT

STATUS = one_of(ConversationStatus)
_FILE = {"type": "string", "contentMediaType": "application/octet-stream"}


class ConversationLink(Output):
    kind: str = Field(
        description="What the conversation is about: a kind of thing a feature registers "
        "(this hub: campaign)."
    )
    id: int


class Conversation(Output):
    id: int
    subject: str
    organization: NamedRef
    product_line: NamedRef | None
    link: ConversationLink | None = Field(
        description="What it is about elsewhere in the hub, or null."
    )
    status: STATUS
    assignee: NamedRef | None = Field(
        description="The OEM person handling it; null while it waits in the channel team's queue."
    )
    created_by: NamedRef
    created_at: UtcTime
    last_message_at: UtcTime
    first_response_at: UtcTime | None = Field(description="The first OEM answer.")
    resolved_at: UtcTime | None
    last_seq: int = Field(description="The number of its latest message.")
    last_read_seq: int | None = Field(
        description="How far you have read; null when you do not take part."
    )

    @classmethod
    def of(cls, conversation, last_read_seq: int | None = None) -> Conversation:
        return cls(
            id=conversation.id,
            subject=conversation.subject,
            organization=NamedRef.of(conversation.organization),
            product_line=NamedRef.of(conversation.product_line),
            link=(
                ConversationLink(kind=conversation.link_kind, id=conversation.link_id)
                if conversation.link_kind
                else None
            ),
            status=conversation.status.value,
            assignee=NamedRef.of(conversation.assignee),
            created_by=NamedRef.of(conversation.created_by),
            created_at=iso_utc(conversation.created_at),
            last_message_at=iso_utc(conversation.last_message_at),
            first_response_at=iso_utc(conversation.first_response_at),
            resolved_at=iso_utc(conversation.resolved_at),
            last_seq=conversation.last_seq,
            last_read_seq=last_read_seq,
        )


class ConversationQuery(PageQuery):
    status: STATUS | None = Field(None, description="Only conversations in this state.")


class ConversationCreate(Input):
    subject: loose({"type": "string", "minLength": 1, "maxLength": MAX_SUBJECT})
    body: loose({"type": "string", "minLength": 1, "maxLength": MAX_BODY})
    product_line_id: loose({"type": ["integer", "null"]}) = None
    to_product_manager: loose(
        {
            "type": "boolean",
            "description": "Ask a product expert: true sends it straight to the product "
            "manager of product_line_id (required then) instead of your channel manager.",
        }
    ) = False
    client_msg_id: loose(
        {
            "type": "string",
            "maxLength": MAX_CLIENT_MSG_ID,
            "description": "A new UUID; makes the request safe to repeat.",
        }
    ) = None


class Attachment(Output):
    id: int
    filename: str = Field(description="The name to show and save it as.")
    content_type: one_of(["image/png", "application/pdf"])
    size: int = Field(description="Bytes, as stored (after re-encoding).")
    url: str = Field(
        description="Where to fetch it: a path on the hub, answered to the browser's sign-in "
        "or an API token (Authorization: Bearer). Images are sent inline, PDFs as downloads. "
        "404 for anyone who may not see the conversation.",
        examples=["/conversations/12/files/88"],
    )

    @classmethod
    def of(cls, conversation_id: int, stored) -> Attachment:
        return cls(**attachment_json(conversation_id, stored))


class ConversationMessage(Output):
    """A message as the API and the socket protocol send it (service.message_json)."""

    id: int
    seq: int = Field(ge=1)
    conversation_id: int
    client_msg_id: str
    kind: one_of(["text", "system"]) = Field(
        description="system: written by the hub to record an event (a hand-off, a state change)."
    )
    author: NamedRef | None = Field(description="null for system messages.")
    body: str = Field(
        description="Plain text; show it as text, never as HTML. May be empty when the "
        "message carries files."
    )
    created_at: UtcTime
    attachments: list[Attachment]


class ConversationMessagePage(Output):
    data: list[ConversationMessage]
    next_after_seq: int | None = Field(
        description="Pass as ?after_seq= for the next page; null when you have all."
    )


class MessagesQuery(LimitQuery):
    after_seq: int = Field(0, ge=0, description="Only messages numbered above this.")


class ConversationMessageCreate(Input):
    client_msg_id: loose(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_CLIENT_MSG_ID,
            "description": "A new UUID per message; send it again to retry safely.",
        }
    )
    body: loose(
        {
            "type": "string",
            "maxLength": MAX_BODY,
            "description": "1 or more characters; may be empty or left out when "
            "attachment_ids are sent.",
        }
    ) = None
    attachment_ids: loose(
        {
            "type": "array",
            "maxItems": MAX_ATTACHMENTS,
            "items": {"type": "integer"},
            "description": "Ids of your uploads to this conversation (POST …/attachments), "
            "in the order to show them.",
        }
    ) = None


class ConversationMessageForm(Input):
    """The same message as multipart/form-data, its files sent with it."""

    model_config = ConfigDict(extra="forbid", strict=False)

    client_msg_id: loose({"type": "string"})
    body: loose({"type": "string"}) = None
    files: file_part({"type": "array", "maxItems": MAX_ATTACHMENTS, "items": _FILE}) = None


class AttachmentUpload(Input):
    """One file in the field `file` (checked by the view: exactly one)."""

    model_config = ConfigDict(extra="allow", strict=False, json_schema_extra={"required": ["file"]})

    file: file_part(_FILE) = None


class Handoff(Output):
    model_config = ConfigDict(extra="forbid", serialize_by_alias=True, validate_by_name=True)

    id: int
    conversation_id: int
    from_: NamedRef = Field(alias="from")
    to: NamedRef
    note: str = Field(description="For OEM staff only.")
    created_at: UtcTime
    accepted_at: UtcTime | None = Field(description="null until the receiver accepts.")

    @classmethod
    def of(cls, handoff) -> Handoff:
        return cls(
            id=handoff.id,
            conversation_id=handoff.conversation_id,
            from_=NamedRef.of(handoff.from_person),
            to=NamedRef.of(handoff.to_person),
            note=handoff.note,
            created_at=iso_utc(handoff.created_at),
            accepted_at=iso_utc(handoff.accepted_at),
        )


class HandoffCreate(Input):
    to_person_id: loose(
        {
            "type": "integer",
            "description": "A product manager of the conversation's product line, or "
            "another channel manager.",
        }
    )
    note: str = Field("", json_schema_extra={"maxLength": MAX_NOTE})


class ConversationUpdate(Input):
    status: loose({"type": "string", "enum": [s.value for s in ConversationStatus]})


class ReadPosition(Input):
    seq: int = Field(ge=0, description="The number of the last message read (0 or more).")
