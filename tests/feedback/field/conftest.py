import pytest

from hub.models import ProductLine


@pytest.fixture
def line(session):
    line = ProductLine(name="Compact tractors", slug="compact")
    session.add(line)
    session.flush()
    return line
