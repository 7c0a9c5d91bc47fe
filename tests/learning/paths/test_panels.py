"""The dashboard's learning panel."""

from datetime import timedelta

from hub.db import utcnow
from learning.paths.panels import learning_panel
from tests.learning.factories import certify, make_learning


def test_a_partner_sees_the_next_step_and_what_expires_soon(app, channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    certify(staff, learning.foundation, now=utcnow() - timedelta(days=700))
    with app.test_request_context():
        (panel,) = learning_panel(staff)
    assert panel.title == "Your learning"
    assert "Diagnostics" in panel.html  # Professional's module, the next step
    assert f"{learning.foundation.title}</a> expires" in panel.html


def test_oem_staff_get_no_learning_panel(app, channel, session):
    with app.test_request_context():
        assert learning_panel(channel.people["program_admin"]) == []


def test_the_dashboard_shows_the_panel(client, login_as, session):
    make_learning()
    login_as("partner_staff")
    html = client.get("/").get_data(as_text=True)
    assert "Your learning" in html and "&lt;ul" not in html
