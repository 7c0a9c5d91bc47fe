"""Idempotency keys for the campaigns API calls that move money (approve, decline, claim,
claim review): a retry with the same key and the same content answers what the first call
answered and moves nothing; the same key with other content is a 409.

The key arrives validated by the route's IdempotencyHeaders model (campaigns.proposals.
schemas); the answers are kept in ApiIdempotencyKey, in the same transaction as the change
they describe.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, current_app, request

from campaigns.proposals.models import ApiIdempotencyKey, Proposal
from campaigns.proposals.request_schemas import IDEMPOTENCY_HEADER, REPLAYED_HEADER
from hub import db
from hub.errors import Conflict
from hub.models import Person

REPLAY_HEADERS = {
    REPLAYED_HEADER: {
        "description": "true when this is the stored answer to an earlier call with the key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


@dataclass
class Idempotency:
    """The Idempotency-Key of one money-moving call, if the client sent one.

    Call `replay()` with the proposal locked: the first request with a key has then either
    committed its answer or not happened, so a retry sees it. `remember()` stores the
    answer in the same transaction as the change it describes.
    """

    person: Person
    proposal: Proposal
    action: str
    key: str | None
    fingerprint: str

    @classmethod
    def of_request(
        cls, person: Person, proposal: Proposal, action: str, key: str | None, content
    ) -> Idempotency:
        canonical = json.dumps(
            {"method": request.method, "path": request.path, "content": content},
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return cls(person, proposal, action, key, hashlib.sha256(canonical.encode()).hexdigest())

    @property
    def service_key(self) -> str | None:
        """The key handed to the service (kept in the thread): unique per person and key."""
        if self.key is None:
            return None
        digest = hashlib.sha256(f"{self.person.id}\n{self.key}".encode()).hexdigest()
        return f"api-{digest[:40]}"

    def _record(self) -> ApiIdempotencyKey | None:
        return db.session.scalar(
            sa.select(ApiIdempotencyKey).where(
                ApiIdempotencyKey.person_id == self.person.id, ApiIdempotencyKey.key == self.key
            )
        )

    def replay(self) -> Response | None:
        """The first answer to this key (None: not seen yet); a 409 when it was used for
        something else."""
        if self.key is None:
            return None
        record = self._record()
        if record is None:
            return None
        if record.fingerprint != self.fingerprint:
            raise Conflict(
                {
                    IDEMPOTENCY_HEADER: [
                        f"The {IDEMPOTENCY_HEADER} “{self.key}” was already used for another "
                        f"request ({record.action} of campaign {record.proposal_id}, with other "
                        "content); nothing was done. Send a new key with each new operation."
                    ]
                }
            )
        # The first answer as it was sent: its keys in the order of the response model
        # (jsonify would sort them), so every retry reads the same.
        response = current_app.response_class(
            current_app.json.dumps(record.response, sort_keys=False),
            status=record.status_code,
            mimetype="application/json",
        )
        response.headers[REPLAYED_HEADER] = "true"
        return response

    def remember(self, response: Response) -> Response:
        if self.key is None:
            return response
        db.session.add(
            ApiIdempotencyKey(
                person_id=self.person.id,
                key=self.key,
                proposal_id=self.proposal.id,
                action=self.action,
                fingerprint=self.fingerprint,
                status_code=response.status_code,
                response=response.get_json(),
            )
        )
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            # Only two requests on *different* proposals can get here with one key at once
            # (one proposal's requests queue on its lock and then see the first's answer).
            raise Conflict(
                {
                    IDEMPOTENCY_HEADER: [
                        f"Another request with the {IDEMPOTENCY_HEADER} “{self.key}” arrived at "
                        "the same moment; nothing was done here. Send a new key with each new "
                        "operation."
                    ]
                }
            ) from None
        return response
