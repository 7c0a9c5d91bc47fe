"""Ideas for bench.ideas, bulk-loaded (hub.bulk.bulk_insert: COPY on PostgreSQL, one
executemany on SQLite), on top of bench.seed_large's channel.

Titles, problems and descriptions are drawn from a product vocabulary with a Zipf-like
skew, so common words ("mower", "seat") match tens of thousands of ideas and rare ones a
handful — what the duplicate suggestions meet in a real program. Votes are skewed the same
way (a few ideas carry thousands, most a handful), one per person and idea, with
idea.vote_count equal to the rows. The search indexes are kept by the database itself
(SQLite: the FTS5 triggers; PostgreSQL: the generated tsvectors, their GIN indexes and the
title-words trigger, one statement per COPY).
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

import sqlalchemy as sa

from feedback.ideas.models import Idea, IdeaStatus, IdeaSubscription, IdeaVote
from hub import db
from hub.bulk import bulk_insert
from hub.db import utcnow
from hub.models import Organization, OrgKind, Person, ProductLine, Role

NOUNS = [
    "mower", "deck", "seat", "loader", "bucket", "hitch", "cab", "engine", "battery", "light",
    "mirror", "tire", "auger", "blade", "bagger", "joystick", "display", "filter", "grease",
    "pump", "valve", "hose", "belt", "pulley", "spindle", "chute", "fender", "step", "handle",
    "throttle", "pedal", "gauge", "armrest", "cupholder", "canopy", "ballast", "weight",
    "coupler", "forks", "grapple", "tiller", "snowblower", "broom", "sprayer", "tank",
    "manual", "decal", "warranty", "telematics", "app", "radio", "charger", "sensor",
    "camera", "trailer", "ramp", "strap", "hood", "grille", "muffler", "exhaust", "radiator",
]  # fmt: skip
WORDS = [
    "hydraulic", "quick", "attach", "adjustable", "heated", "longer", "quieter", "foldable",
    "wider", "stronger", "remote", "wireless", "led", "extra", "better", "faster", "easier",
    "replace", "add", "improve", "zero", "turn", "mulching", "compact", "diesel", "electric",
    "cushion", "comfort", "storage", "toolbox", "lockable", "rear", "front", "side", "dual",
    "spare", "kit", "option", "reinforced", "rubber", "steel", "suspension", "tilt", "swivel",
    "reverse", "cruise", "control", "leak", "noise", "vibration", "rust", "winter", "dealer",
    "customer", "service", "interval", "diagnostic", "bluetooth", "usb", "shade", "visor",
]  # fmt: skip
FILLER = [
    "customers", "ask", "for", "this", "every", "week", "the", "current", "one", "breaks",
    "too", "often", "when", "they", "use", "it", "in", "wet", "grass", "and", "on", "slopes",
    "we", "lose", "sales", "to", "competitors", "who", "offer", "a", "simple", "fix",
]  # fmt: skip
OPEN_STATUSES = [
    IdeaStatus.NEW, IdeaStatus.NEW, IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW,
    IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS, IdeaStatus.SHIPPED, IdeaStatus.DECLINED,
]  # fmt: skip
CHUNK = 50_000


def _zipf(words: list[str], s: float = 1.0) -> list[float]:
    return [1 / (rank**s) for rank in range(1, len(words) + 1)]


class IdeaSeeder:
    """Adds ideas and votes to a seeded program, in steps (first 1,000, then up to 100,000)."""

    def __init__(self, app, rng_seed: int = 13):
        self.app = app
        self.rng = random.Random(rng_seed)
        with app.app_context():
            partners = sa.select(Person.id, Person.organization_id).join(
                Organization, Organization.id == Person.organization_id
            )
            self.partners = list(
                db.session.execute(partners.where(Organization.kind != OrgKind.OEM)).tuples()
            )
            self.everyone = list(db.session.scalars(sa.select(Person.id).order_by(Person.id)))
            self.lines = list(db.session.scalars(sa.select(ProductLine.id).order_by("id")))
            self.pm_id = db.session.scalar(
                sa.select(Person.id).where(Person.role == Role.PRODUCT_MANAGER).order_by(Person.id)
            )
            self.next_id = (db.session.scalar(sa.select(sa.func.max(Idea.id))) or 0) + 1
        self.noun_w, self.word_w = _zipf(NOUNS, 0.9), _zipf(WORDS, 0.9)
        self.ideas = 0
        self.votes = 0

    def _title(self) -> str:
        rng = self.rng
        words = rng.choices(WORDS, self.word_w, k=rng.randint(1, 3))
        nouns = rng.choices(NOUNS, self.noun_w, k=rng.randint(1, 2))
        return " ".join([*words, *nouns]).capitalize()[:140]

    def _text(self, n: int) -> str:
        pool = self.rng.choices(FILLER, k=n) + self.rng.choices(NOUNS + WORDS, k=n // 3)
        self.rng.shuffle(pool)
        return " ".join(pool).capitalize() + "."

    def add(self, ideas: int, votes: int) -> float:
        """Add `ideas` ideas carrying `votes` votes between them; seconds taken."""
        started = time.perf_counter()
        rng, now = self.rng, utcnow()
        first = self.next_id
        ids = list(range(first, first + ideas))
        self.next_id += ideas
        weights = [1 / (rank**0.6) for rank in range(1, ideas + 1)]
        total = sum(weights)
        cap = len(self.everyone) // 2
        counts = [min(cap, int(votes * w / total)) for w in weights]
        votes = min(votes, cap * ideas)
        while sum(counts) < votes:  # the remainder, one each to random ideas under the cap
            room = [i for i, c in enumerate(counts) if c < cap]
            for i in rng.sample(room, k=min(len(room), votes - sum(counts))):
                counts[i] += 1
        rng.shuffle(counts)
        rows = []
        for idea_id, count in zip(ids, counts, strict=True):
            author, org = rng.choice(self.partners)
            created = now - timedelta(days=rng.randint(1, 900), minutes=rng.randint(0, 1440))
            rows.append(
                {
                    "id": idea_id,
                    "product_line_id": rng.choice(self.lines),
                    "author_id": author,
                    "organization_id": org,
                    "title": self._title(),
                    "description": self._text(rng.randint(0, 30)),
                    "problem": self._text(rng.randint(8, 40)),
                    "status": rng.choice(OPEN_STATUSES),
                    "vote_count": count,
                    "created_at": created,
                    "status_changed_at": created,
                }
            )
        with self.app.app_context():
            for start in range(0, len(rows), CHUNK):
                bulk_insert(Idea.__table__, rows[start : start + CHUNK])
            batch = []
            for idea_id, count in zip(ids, counts, strict=True):
                for person_id in rng.sample(self.everyone, count):
                    batch.append({"idea_id": idea_id, "person_id": person_id, "created_at": now})
                if len(batch) >= CHUNK:
                    bulk_insert(IdeaVote.__table__, batch)
                    batch = []
            bulk_insert(IdeaVote.__table__, batch)
            self._finish()
        self.ideas += ideas
        self.votes += sum(counts)
        return time.perf_counter() - started

    def followed_idea(self, followers: int) -> int:
        """One more idea, followed by `followers` active people; its id."""
        idea_id = self.next_id
        self.next_id += 1
        author, org = self.partners[0]
        now = utcnow()
        people = [p for p in self.everyone if p != self.pm_id][:followers]
        with self.app.app_context():
            bulk_insert(
                Idea.__table__,
                [
                    {
                        "id": idea_id,
                        "product_line_id": self.lines[0],
                        "author_id": author,
                        "organization_id": org,
                        "title": "Fold-down rear step on the compact loader",
                        "description": "",
                        "problem": "Climbing in from the rear is awkward for every operator.",
                        "status": IdeaStatus.NEW,
                        "vote_count": 0,
                        "created_at": now,
                        "status_changed_at": now,
                    }
                ],
            )
            bulk_insert(
                IdeaSubscription.__table__,
                [
                    {"idea_id": idea_id, "person_id": p, "active": True, "updated_at": now}
                    for p in people
                ],
            )
            self._finish()
        return idea_id

    def _finish(self) -> None:
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('idea', 'id'), (SELECT max(id) FROM idea))"
                )
            )
            db.session.commit()
            db.session.execute(sa.text("ANALYZE idea, idea_vote, idea_subscription"))
        else:
            db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
