"""The learning program the learning benchmark measures (bench/learning.py), on top of
bench.seed_large's channel: the demo's paths (every product line × track × three
levels), tier requirements and specialisations fed by certifications, and certifications
bulk-loaded with Core inserts.

Core, not the ORM: recognition's before_flush listener awards badges for every
certification ORM row, which would turn a bulk load into 200,000 flushes. The rows are
what `credentials.issue` writes (a credential id, validity and grace), without the badge,
notification and audit rows around it — the pages measured read none of those.

The focal organisation (the dealer persona's) gets its certifications first; the database
is then copied and the copy grows around it, so its pages show the same things at both
sizes.
"""

from __future__ import annotations

import random
import shutil
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.seed_large import Persona, sign_in
from hub import db
from hub.db import utcnow
from hub.models import Person, Role, Tier
from hub.standing import service as tier_rules
from learning.certifications.models import Certification
from learning.demo import build_paths
from learning.demo.standing import TIER_REQUIREMENTS
from learning.paths.models import Level
from learning.standing import specialisations

CHUNK = 5_000


@dataclass
class LearningSetup:
    focal_org_id: int
    focal_people: list[int]  # the focal organisation's people (the learner among them)
    other_people: list[int]  # everybody else in the partner channel
    levels: list[tuple[int, int]]  # (level id, validity months)
    personas: dict[str, Persona]


def create_program(app, seeded) -> LearningSetup:
    """Paths, tier requirements, specialisations, and the standing page's viewer signed in."""
    learner = seeded.personas["dealer"]
    with app.app_context():
        admin = db.session.get(Person, seeded.personas["admin"].person_id)
        paths = build_paths()
        tractors = paths[("tractors", "technical")]
        install = paths[("tractors", "installation_service")]
        specialisations.create(
            admin, "Technical Specialist — Tractors", tractors.product_line_id, "technical", 1, 2
        )
        specialisations.create(
            admin,
            "Installation Certified — Tractors",
            install.product_line_id,
            "installation_service",
            1,
            2,
        )
        for name, reqs in TIER_REQUIREMENTS.items():
            tier = db.session.scalar(sa.select(Tier).where(Tier.name == name))
            for key, minimum in reqs:
                tier_rules.set_requirement(admin, tier, key, minimum)
        levels = [
            (lv.id, lv.validity_months)
            for lv in db.session.scalars(sa.select(Level).order_by(Level.id))
        ]
        people = db.session.execute(
            sa.select(Person.id, Person.organization_id, Person.role)
            .where(Person.organization_id != 1)  # not the OEM
            .order_by(Person.id)
        ).all()
        focal = [p.id for p in people if p.organization_id == learner.organization_id]
        owner = next(
            p.id
            for p in people
            if p.organization_id == learner.organization_id and p.role == Role.PARTNER_ADMIN
        )
        viewer = Persona("dealer_admin", "dealer partner admin", owner, "", learner.organization_id)
        sign_in(app, db.session, {"dealer_admin": viewer})
        db.session.commit()
        others = [p.id for p in people if p.organization_id != learner.organization_id]
    personas = dict(seeded.personas) | {"dealer_admin": viewer}
    return LearningSetup(learner.organization_id, focal, others, levels, personas)


def certification_rows(
    people: list[int], levels: list[tuple[int, int]], count: int, rng: random.Random, start: int
):
    """`count` certifications spread over `people`: about two in three valid (some expiring
    within 90 days), the rest expired or revoked; at most one per person and level."""
    now = utcnow()
    per_person = -(-count // len(people))  # ceiling
    if per_person > len(levels):
        raise ValueError(f"{count} certifications need more than {len(levels)} levels each")
    made = 0
    for person_id in people:
        for level_id, months in rng.sample(levels, per_person):
            if made == count:
                return
            kind = rng.random()
            if kind < 0.08:
                valid_until = now + timedelta(days=rng.randint(5, 90))  # expiring soon
            elif kind < 0.67:
                valid_until = now + timedelta(days=rng.randint(91, 30 * months))
            else:
                valid_until = now - timedelta(days=rng.randint(1, 700))
            issued = valid_until - timedelta(days=30 * months)
            made += 1
            yield {
                "credential_id": f"bench-{start + made:09d}-{rng.getrandbits(40):010x}",
                "person_id": person_id,
                "level_id": level_id,
                "issued_at": issued,
                "valid_from": issued,
                "valid_until": valid_until,
                "grace_until": valid_until + timedelta(days=60),
                "revoked_at": now if kind > 0.985 else None,
                "revoke_reason": "bench" if kind > 0.985 else "",
            }


def load_certifications(app, people: list[int], levels, count: int, seed: int) -> float:
    """Core inserts of `count` certifications in chunks; ANALYZE on PostgreSQL (as its
    autovacuum would after a load this size). Returns the seconds it took."""
    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        conn = db.session.connection()
        start = conn.scalar(sa.select(sa.func.count()).select_from(Certification)) or 0
        rows = list(certification_rows(people, levels, count, rng, start))
        table = Certification.__table__
        for i in range(0, len(rows), CHUNK):
            conn.execute(sa.insert(table), rows[i : i + CHUNK])
        db.session.commit()
        if conn.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE learning_certification"))
            db.session.commit()
    return time.perf_counter() - started


def certification_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Certification))
        db.session.rollback()
        return count


def a_certification_id(app, person_id: int) -> int:
    """One of the learner's certifications (the certificate render measures it)."""
    with app.app_context():
        cert_id = db.session.scalar(
            sa.select(Certification.id).where(Certification.person_id == person_id).limit(1)
        )
        db.session.rollback()
        return cert_id


def copy_database(url: str) -> str:
    """A copy of the (seeded, engine disposed) database next to it; its URL. SQLite: the
    file; PostgreSQL: CREATE DATABASE … TEMPLATE (`<name>_large`, dropped first)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = parsed.database or ""
        target = source.replace(".sqlite3", "") + "-large.sqlite3"
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return parsed.set(database=target).render_as_string(hide_password=False)
    name = f"{parsed.database}_large"
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            quote = conn.dialect.identifier_preparer.quote
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(parsed.database)}")
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)
