"""The program the Socket.IO benchmark talks in: the large program of `make bench`
(bench/seed_large.py), plus one conversation per busy dealer and an API token for each
person who will hold a socket.

Room r is a conversation started by dealer r's first person; its members are that
dealer's staff, who all see it (partner staff see every conversation of their own
organisation), so nobody takes part by seeding and every join is checked as usual.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from bench.seed_large import Shape, seed
from hub import db
from hub.accounts.service import API_TOKEN_PREFIX
from hub.conversations import service as conversations
from hub.db import utcnow
from hub.models import ApiToken, Organization, OrgKind, Person
from hub.security import new_token, token_hash


@dataclass(frozen=True)
class SocketClient:
    """One socket the load will open: whose token, which conversation, which room."""

    person_id: int
    token: str
    conversation_id: int
    room: int


@dataclass
class SocketSeed:
    clients: list[SocketClient]
    counts: dict[str, int]
    seconds: float


def room_sizes(clients: int, rooms: int) -> list[int]:
    """How many clients each room gets when `clients` are dealt out round-robin."""
    base, extra = divmod(clients, rooms)
    return [base + (1 if r < extra else 0) for r in range(rooms)]


def program_shape(scale: float, clients: int, rooms: int) -> Shape:
    """The large program at `scale`, with enough dealers that have enough staff for the
    rooms (seed_large deals dealer staff out evenly, the first dealers one more)."""
    shape = Shape.scaled(scale)
    per_room = max(room_sizes(clients, rooms))
    shape.dealers = max(shape.dealers, rooms)
    others = (
        shape.oem_people
        + shape.masters * shape.master_people
        + shape.distributors * shape.distributor_people
    )
    base, extra = divmod(max(0, shape.people - others), shape.dealers)
    enough = shape.dealers if base >= per_room else (extra if base == per_room - 1 else 0)
    if enough < rooms:
        shape.people = others + shape.dealers * (per_room - 1) + rooms
    return shape


def seed_sockets(app, clients: int, rooms: int, scale: float = 1.0) -> SocketSeed:
    """Seed the program into the app's (migrated, empty) database, then the rooms' conversations
    and one API token per client."""
    program = seed(app, program_shape(scale, clients, rooms))
    started = time.perf_counter()
    sizes = room_sizes(clients, rooms)
    started_at = utcnow() - timedelta(hours=1)
    with app.app_context():
        dealers = _dealers_with_staff(max(sizes), rooms)
        if len(dealers) < rooms:
            raise RuntimeError(f"only {len(dealers)} dealers have {max(sizes)} staff")
        secrets: list[tuple[int, str]] = []
        tokens: list[dict] = []
        room_of: list[tuple[int, int]] = []  # (room, conversation id) per client
        for room, (dealer_id, size) in enumerate(zip(dealers, sizes, strict=False)):
            staff = db.session.scalars(
                sa.select(Person)
                .where(Person.organization_id == dealer_id, Person.active.is_(True))
                .order_by(Person.id)
                .limit(size)
            ).all()
            conversation, _ = conversations.start_conversation(
                staff[0],
                f"Benchmark room {room + 1}",
                "Opening message of the Socket.IO benchmark.",
                now=started_at,  # an hour ago: outside the per-person rate limit's window
            )
            for person in staff:
                secret = new_token(API_TOKEN_PREFIX)
                secrets.append((person.id, secret))
                room_of.append((room, conversation.id))
                tokens.append(
                    {
                        "person_id": person.id,
                        "name": "bench sockets",
                        "token_hash": token_hash(secret),
                        "prefix": secret[:12],
                        "created_at": utcnow(),
                    }
                )
        db.session.execute(sa.insert(ApiToken), tokens)
        db.session.commit()
    # Deal the clients out round-robin (client i in room i % rooms), as room_sizes counts.
    by_room: dict[int, list[SocketClient]] = {}
    for (person_id, secret), (room, conversation_id) in zip(secrets, room_of, strict=True):
        by_room.setdefault(room, []).append(SocketClient(person_id, secret, conversation_id, room))
    ordered = [by_room[i % rooms][i // rooms] for i in range(clients)]
    counts = {**program.counts, "conversations": rooms, "api_tokens": len(tokens)}
    return SocketSeed(ordered, counts, program.seconds + time.perf_counter() - started)


def _dealers_with_staff(size: int, rooms: int) -> list[int]:
    """The first `rooms` dealers (by id) with at least `size` active people."""
    staff = (
        sa.select(Person.organization_id)
        .where(Person.active.is_(True))
        .group_by(Person.organization_id)
        .having(sa.func.count() >= size)
    )
    return list(
        db.session.scalars(
            sa.select(Organization.id)
            .where(Organization.kind == OrgKind.DEALER, Organization.id.in_(staff))
            .order_by(Organization.id)
            .limit(rooms)
        )
    )
