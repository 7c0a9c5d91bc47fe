"""Moving an idea to "in beta" invites its voters to the beta programs linked to it —
those who were not invited before (voters since the program was published), once, with
an audit event; the idea page and the API take the same step (feedback.ideas.moves)."""

from __future__ import annotations

import sqlalchemy as sa

from feedback.betas import service as betas
from feedback.betas.models import BetaInvitation
from feedback.ideas import service as ideas
from feedback.ideas.models import IdeaNotice
from hub import db
from hub.accounts import service as accounts
from hub.models import AuditEvent, Notification
from tests.conftest import post_form
from tests.feedback.betas.support import make_program, run


def _idea(channel, line):
    idea = ideas.post_idea(
        channel.people["partner_admin"],
        {"product_line_id": line.id, "title": "Net wrap roll lift assist", "problem": "Heavy."},
    )
    ideas.vote(channel.people["partner_staff"], idea)
    return idea


def _invited(program) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(BetaInvitation.person_id)
            .where(BetaInvitation.program_id == program.id)
            .order_by(BetaInvitation.person_id)
        )
    )


def _invitations_of(person) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.text).where(
                Notification.person_id == person.id, Notification.kind == "beta.invited"
            )
        )
    )


def test_the_idea_page_invites_the_voters_not_invited_yet_once(client, login_as, channel, line):
    pm = channel.people["product_manager"]
    staff, marketer = channel.people["partner_staff"], channel.people["dealer_marketer"]
    idea = _idea(channel, line)
    program = make_program(pm, line, title="Net wrap beta", idea_id=str(idea.id))
    assert _invited(program) == [staff.id]  # invited when it was published
    ideas.vote(marketer, idea)  # votes since: not invited yet

    login_as("product_manager")
    page = f"/feedback/ideas/{idea.id}"
    moved = post_form(
        client,
        f"{page}/status",
        {"status": "in_beta", "message": "The beta starts; apply from the program."},
        token_page=page,
        follow_redirects=True,
    )
    html = moved.get_data(as_text=True)
    assert moved.status_code == 200
    assert "1 voter was invited to “Net wrap beta”." in html
    assert _invited(program) == sorted([staff.id, marketer.id])
    assert len(_invitations_of(marketer)) == 1 and len(_invitations_of(staff)) == 1
    assert "Net wrap beta" in _invitations_of(marketer)[0]
    # Every follower heard of the status change too.
    told = set(db.session.scalars(sa.select(IdeaNotice.person_id)))
    assert {staff.id, marketer.id, channel.people["partner_admin"].id} <= told
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "beta.invited").order_by(AuditEvent.id)
    ).all()
    assert audit[-1].after == {"invited": 1, "idea_id": idea.id}

    # Out of beta and back in: nobody is invited twice.
    for status in ("in_progress", "in_beta"):
        post_form(
            client, f"{page}/status", {"status": status, "message": "Moved."}, token_page=page
        )
    assert _invited(program) == sorted([staff.id, marketer.id])
    assert len(_invitations_of(marketer)) == 1
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "beta.invited")
    ) == len(audit)


def test_the_api_invites_only_to_published_programs_that_take_applications(client, channel, line):
    pm = channel.people["product_manager"]
    marketer = channel.people["dealer_marketer"]
    idea = _idea(channel, line)
    open_ = make_program(pm, line, title="Open beta", idea_id=str(idea.id))
    draft = make_program(pm, line, title="Draft beta", idea_id=str(idea.id), publish=False)
    running = make_program(pm, line, title="Running beta", idea_id=str(idea.id))
    run(running)
    other = make_program(pm, line, title="Another idea's beta")
    ideas.vote(marketer, idea)

    token = accounts.create_api_token(pm, "api tests").secret
    moved = client.post(
        f"/api/v1/ideas/{idea.id}/status",
        json={"status": "in_beta", "message": "In beta now."},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert moved.status_code == 200 and moved.json["status"] == "in_beta"
    assert marketer.id in _invited(open_)
    assert _invited(draft) == [] and _invited(other) == []
    assert marketer.id not in _invited(running)
    texts = _invitations_of(marketer)
    assert len(texts) == 1 and "Open beta" in texts[0]


def test_other_statuses_and_refused_changes_invite_nobody(channel, line, app):
    pm = channel.people["product_manager"]
    marketer = channel.people["dealer_marketer"]
    idea = _idea(channel, line)
    program = make_program(pm, line, idea_id=str(idea.id))
    ideas.vote(marketer, idea)
    with app.test_request_context():
        ideas.move(pm, idea, "planned", "Planned.", link="x", path="/x")
        assert marketer.id not in _invited(program)
        assert betas.invite_for_idea(pm, idea, path_for=lambda p: "/x") == []
        ideas.move(pm, idea, "in_beta", "In beta.", link="x", path="/x")
    assert marketer.id in _invited(program)


def test_the_program_and_idea_pages_link_each_other_and_keep_the_layout(
    client, login_as, channel, line
):
    pm = channel.people["product_manager"]
    idea = _idea(channel, line)
    program = make_program(pm, line, title="Net wrap beta", idea_id=str(idea.id))
    login_as("dealer_marketer")
    page = client.get(f"/feedback/betas/{program.id}").get_data(as_text=True)
    assert f'href="/feedback/ideas/{idea.id}">Net wrap roll lift assist</a>' in page
    # The page's own `program` (the beta program) doesn't blank the layout's.
    name = accounts.program_settings().name
    assert f"Net wrap beta · {name}</title>" in page and f"open source. {name}." in page
    idea_page = client.get(f"/feedback/ideas/{idea.id}").get_data(as_text=True)
    assert f'href="/feedback/betas/{program.id}">Net wrap beta</a>' in idea_page
