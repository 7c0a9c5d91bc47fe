import pytest

from hub.models import ProductLine
from hub.registry import Qualification, registry


@pytest.fixture
def line(session):
    line = ProductLine(name="Compact tractors", slug="compact")
    session.add(line)
    session.flush()
    return line


class FakeQualifications:
    """A tiny qualification source: who holds what is set by the test."""

    def __init__(self):
        self.held: dict[int, set[str]] = {}

    def choices(self):
        return [
            Qualification("test:hydraulics", "Hydraulics specialist"),
            Qualification("test:loader", "Loader certification"),
        ]

    def held_by(self, person):
        return self.held.get(person.id, set())


@pytest.fixture
def qualifications(app):
    """A fake QualificationSource on the test app's registry, removed afterwards."""
    source = FakeQualifications()
    reg = registry(app)
    reg.qualifications.append(source)
    yield source
    reg.qualifications.remove(source)
