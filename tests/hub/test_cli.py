"""The `flask --app wsgi hub …` commands."""

import sqlalchemy as sa

from hub.accounts import service as accounts
from hub.demo.channel import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from hub.models import Organization, OrgKind, Person, Role
from hub.security import verify_password


def test_create_token_prints_a_working_token_alone_on_its_last_line(app, channel):
    person = channel.people["channel_manager"]
    result = app.test_cli_runner().invoke(
        args=["hub", "create-token", person.email, "--name", "erp"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert accounts.person_for_api_token(token).id == person.id


def test_create_token_for_an_unknown_email_says_so(app):
    result = app.test_cli_runner().invoke(args=["hub", "create-token", "ghost@nowhere.example"])
    assert result.exit_code != 0
    assert "No active person with the e-mail ghost@nowhere.example" in result.output


def test_seed_demo_is_refused_in_production(app):
    app.config["ENV_NAME"] = "production"
    result = app.test_cli_runner().invoke(args=["hub", "seed-demo"])
    assert result.exit_code != 0
    assert "refused in production" in result.output


def test_tick_command_reports_what_ran(app):
    result = app.test_cli_runner().invoke(args=["hub", "tick", "--force"])
    assert result.exit_code == 0, result.output
    assert "hub.prune-login-attempts:" in result.output


def test_demo_program_has_the_documented_accounts_and_channel(app, session):
    summary = seed_demo()
    assert "organisations" in summary
    for email, _label in DEMO_ACCOUNTS:
        person = session.scalar(sa.select(Person).where(Person.email == email))
        assert person is not None and verify_password(person.password_hash, DEMO_PASSWORD), email
    prairie = session.scalar(
        sa.select(Organization).where(Organization.domain == "prairie.example")
    )
    gpd = session.scalar(sa.select(Organization).where(Organization.domain == "gpd.example"))
    harbor = session.scalar(sa.select(Organization).where(Organization.domain == "harbor.example"))
    assert prairie.parent_id == gpd.id and prairie.path.startswith(gpd.path)
    assert harbor.parent.name == "Coastal Supply"
    dealers = session.scalar(sa.select(sa.func.count()).where(Organization.kind == OrgKind.DEALER))
    assert dealers >= 13
    roles = {
        p.role
        for p in session.scalars(sa.select(Person).where(Person.email.like("%@fieldcrest.example")))
    }
    assert {Role.PROGRAM_ADMIN, Role.CHANNEL_MANAGER, Role.PRODUCT_MANAGER} <= roles
