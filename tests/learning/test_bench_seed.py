"""The benchmark's bulk-loaded certifications (bench/learning_seed.py, Core inserts that
skip the ORM's badge listener) are rows the app reads like those `credentials.issue`
writes: they pass the table's checks and have the statuses the pages count by."""

from __future__ import annotations

import random

import sqlalchemy as sa

from bench import learning_seed
from learning.certifications.models import Certification, CertificationStatus
from tests.learning.factories import make_learning


def test_bulk_loaded_certifications_read_back_with_their_status(session, channel):
    made = make_learning()
    people = [p.id for p in channel.people.values()]
    levels = [(made.foundation.id, 24), (made.professional.id, 12)]
    rows = list(learning_seed.certification_rows(people, levels, 16, random.Random(3), 0))
    session.execute(sa.insert(Certification.__table__), rows)
    session.flush()

    certs = session.scalars(sa.select(Certification)).all()
    assert len(certs) == 16
    assert len({(c.person_id, c.level_id) for c in certs}) == 16  # one per person and level
    assert {c.person.id for c in certs} <= set(people)
    assert {c.level.id for c in certs} == {made.foundation.id, made.professional.id}
    statuses = [c.status() for c in certs]
    assert CertificationStatus.VALID in statuses
    assert set(statuses) - {CertificationStatus.VALID}  # expired (or in grace) ones too
