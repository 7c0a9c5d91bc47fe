"""The rules of a consultation on the real database: opening one (with sentences for each
problem, the rule's wording kept), who is asked, one changeable signal per person, comments,
the summary by tier and region in the viewer's scope, and the response that reaches everyone
who took part — and nothing after the close."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback.consultations import panels as consultation_panels
from feedback.consultations import service, summary
from feedback.consultations.access import get_visible, visible_comments, visible_consultations
from feedback.consultations.models import ConsultationNotice, ConsultationSignal, Signal
from hub import db
from hub.db import today
from hub.errors import Conflict, ValidationFailed
from hub.models import AuditEvent, Notification, Organization, OutboxMail, TerritoryAssignment
from hub.registry import registry
from tests.feedback.consultations.support import close, open_one


def test_the_rules_offered_come_from_hub_s_extension_point(channel):
    rules = service.rule_choices()
    assert rules == registry().program_rule_summaries()
    tier_rule = next(r for r in rules if r.key.startswith("hub:tier:"))
    assert tier_rule.label == "Premier tier criteria"


def test_opening_keeps_the_rule_as_worded_that_day_and_is_audited(channel):
    admin = channel.people["program_admin"]
    rule = service.rule_choices()[0]
    c = open_one(admin, rule_key=rule.key)
    assert (c.rule_label, c.rule_current) == (rule.label, rule.current)
    assert service.state(c) == "open"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "consultation.opened")
    )
    assert event.object_id == str(c.id) and event.after["rule"] == rule.key


def test_each_problem_in_an_opening_gets_its_sentence(channel):
    admin = channel.people["program_admin"]
    with pytest.raises(ValidationFailed) as exc:
        open_one(
            admin,
            title="Short",
            summary="",
            rule_key="nothing:here",
            opens_on="2020-01-01",
            closes_on="not a date",
            effective_on=today().isoformat(),
        )
    problems = exc.value.problems
    assert set(problems) == {"title", "summary", "rule_key", "opens_on", "closes_on"}
    assert "in the past" in problems["opens_on"][0]
    with pytest.raises(ValidationFailed) as exc:
        open_one(admin, effective_on=today().isoformat())
    assert "after the comment period ends" in exc.value.problems["effective_on"][0]


def test_only_the_program_admin_opens_one(channel):
    with pytest.raises(PermissionError):
        open_one(channel.people["channel_manager"])


def test_an_audience_of_tiers_and_regions_hides_it_from_everyone_else(
    channel, make_org, make_person
):
    admin = channel.people["program_admin"]
    elite = make_org("dealer", parent=channel.distributor, tier="Elite", region="Iowa")
    elite_person = make_person("dealer_marketer", elite)
    c = open_one(admin, tiers=[elite.tier_id], regions=["Iowa"])
    assert get_visible(elite_person, c.id) is c
    marketer = channel.people["dealer_marketer"]  # Premier, Nebraska
    assert get_visible(marketer, c.id) is None
    assert c not in visible_consultations(marketer)
    assert get_visible(channel.people["channel_manager"], c.id) is c  # OEM staff see all


def test_a_consultation_not_yet_open_is_not_shown_to_partners(channel):
    day = today()
    c = open_one(
        channel.people["program_admin"],
        opens_on=(day + timedelta(days=3)).isoformat(),
        closes_on=(day + timedelta(days=9)).isoformat(),
    )
    assert service.state(c) == "scheduled"
    assert get_visible(channel.people["dealer_marketer"], c.id) is None


def test_one_signal_per_person_changeable_until_the_close(channel):
    c = open_one(channel.people["program_admin"])
    marketer = channel.people["dealer_marketer"]
    assert service.give_signal(marketer, c, "agree") == Signal.AGREE
    assert service.give_signal(marketer, c, "concerned") == Signal.CONCERNED
    rows = db.session.scalars(sa.select(ConsultationSignal)).all()
    assert [(r.person_id, r.signal) for r in rows] == [(marketer.id, Signal.CONCERNED)]
    with pytest.raises(ValidationFailed) as exc:
        service.give_signal(marketer, c, "maybe")
    assert "I agree" in exc.value.problems["signal"][0]
    close(c)
    with pytest.raises(Conflict) as exc:
        service.give_signal(marketer, c, "agree")
    assert exc.value.problems[""] == [service.CLOSED]
    with pytest.raises(Conflict):
        service.add_comment(marketer, c, "Too late?")
    assert service.signal_of(marketer, c) == Signal.CONCERNED


def test_oem_staff_do_not_signal(channel):
    c = open_one(channel.people["program_admin"])
    with pytest.raises(PermissionError):
        service.give_signal(channel.people["channel_manager"], c, "agree")


def test_comments_are_checked_stored_as_typed_and_read_within_the_channel_tree(channel):
    c = open_one(channel.people["program_admin"])
    marketer, other = channel.people["dealer_marketer"], channel.people["other_marketer"]
    with pytest.raises(ValidationFailed) as exc:
        service.add_comment(marketer, c, "   ")
    assert "Write your comment" in exc.value.problems["body"][0]
    with pytest.raises(ValidationFailed) as exc:
        service.add_comment(marketer, c, "x" * 2001)
    assert "2,000 characters" in exc.value.problems["body"][0]
    mine = service.add_comment(marketer, c, "<script>alert(1)</script>")
    theirs = service.add_comment(other, c, "We'd lose our fall budget.")
    assert mine.body == "<script>alert(1)</script>"
    seen = lambda who: set(db.session.scalars(visible_comments(who, c)))  # noqa: E731
    assert seen(marketer) == {mine}
    assert seen(other) == {theirs}
    assert seen(channel.people["distributor_admin"]) == {mine}  # its dealer's
    assert seen(channel.people["program_admin"]) == {mine, theirs}


def test_the_summary_counts_by_tier_and_region_in_the_viewer_s_scope(channel, make_person):
    admin = channel.people["program_admin"]
    c = open_one(admin)
    channel.other_dealer.region = "Iowa"
    service.give_signal(channel.people["dealer_marketer"], c, "concerned")
    service.give_signal(channel.people["partner_staff"], c, "agree")
    service.add_comment(channel.people["partner_staff"], c, "Fine by us.")
    service.give_signal(channel.people["other_marketer"], c, "concerned")
    result = summary.summarise(admin, c)
    assert (result.total.agree, result.total.concerned, result.total.comments) == (1, 2, 1)
    regions = {name: (n.agree, n.concerned, n.comments) for name, n in result.regions}
    assert regions == {"Iowa": (0, 1, 0), "Nebraska": (1, 1, 1)}
    assert [(name, n.signals) for name, n in result.tiers] == [("Premier", 3)]

    manager = channel.people["channel_manager"]
    assert summary.summarise(manager, c).total.signals == 0  # no territory yet
    db.session.add(
        TerritoryAssignment(channel_manager_id=manager.id, organization_id=channel.distributor.id)
    )
    db.session.flush()
    scoped = summary.summarise(manager, c)
    assert [name for name, _ in scoped.regions] == ["Nebraska"]
    assert scoped.total.signals == 2

    drawn = summary.chart(result.regions)
    assert [b.name for b in drawn.bars] == ["Iowa", "Nebraska"]
    assert drawn.bars[1].agree_w == drawn.bars[1].concerned_w > 0
    assert drawn.bars[0].agree_w == 0


def test_the_response_reaches_everyone_who_took_part_and_closes_it(channel):
    admin = channel.people["program_admin"]
    c = open_one(admin)
    marketer, staff = channel.people["dealer_marketer"], channel.people["partner_staff"]
    service.give_signal(marketer, c, "concerned")
    service.add_comment(staff, c, "Please give notice.")
    service.add_comment(marketer, c, "And a second thought.")
    with pytest.raises(ValidationFailed) as exc:
        service.publish_response(admin, c, "", "", link="x", path="/x")
    assert set(exc.value.problems) == {"outcome", "response"}
    told = service.publish_response(
        admin, c, "changed", "Two periods stay for Elite.", link="https://hub.test/c", path="/c"
    )
    assert told == 2 and c.notified_count == 2
    assert service.state(c) == "answered" and c.closes_on == today()
    notices = db.session.scalars(sa.select(ConsultationNotice)).all()
    assert sorted(n.person_id for n in notices) == sorted([marketer.id, staff.id])
    notified = db.session.scalars(
        sa.select(Notification.person_id).where(Notification.kind == service.NOTICE_KIND)
    ).all()
    assert sorted(notified) == sorted([marketer.id, staff.id])
    mails = db.session.scalars(
        sa.select(OutboxMail).where(OutboxMail.subject.contains("changed after comments"))
    ).all()
    assert sorted(m.to for m in mails) == sorted([marketer.email, staff.email])
    assert "Two periods stay for Elite." in mails[0].body
    with pytest.raises(Conflict) as exc:
        service.give_signal(channel.people["other_marketer"], c, "agree")
    assert exc.value.problems[""] == [service.CLOSED]
    with pytest.raises(Conflict):
        service.publish_response(admin, c, "dropped", "Again.", link="x", path="/x")
    assert db.session.scalar(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "consultation.responded")
    ).endswith("(2 told)")


def test_a_response_before_comments_open_is_refused(channel):
    day = today()
    c = open_one(
        channel.people["program_admin"],
        opens_on=(day + timedelta(days=2)).isoformat(),
        closes_on=(day + timedelta(days=4)).isoformat(),
    )
    with pytest.raises(ValidationFailed) as exc:
        service.publish_response(
            channel.people["program_admin"], c, "dropped", "No.", link="x", path="/x"
        )
    assert "hasn't begun" in exc.value.problems[""][0]


def test_an_organisation_without_region_counts_as_no_region(channel):
    c = open_one(channel.people["program_admin"])
    db.session.execute(
        sa.update(Organization).where(Organization.id == channel.dealer.id).values(region="")
    )
    db.session.expire_all()
    service.give_signal(channel.people["dealer_marketer"], c, "agree")
    result = summary.summarise(channel.people["program_admin"], c)
    assert [name for name, _ in result.regions] == [summary.NO_REGION]


def test_the_dashboard_panel_lists_the_open_ones_each_partner_is_asked_in(
    channel, make_org, make_person
):
    """The panel's own statement lists what visible_consultations and is_open give: not
    those scheduled, closed or answered, nor those asking other tiers or regions."""
    admin = channel.people["program_admin"]
    elite = make_org("dealer", parent=channel.distributor, tier="Elite", region="Iowa")
    day = today()
    everyone = open_one(admin, title="Open to every partner")
    open_one(admin, title="Open to Elite in Iowa", tiers=[elite.tier_id], regions=["Iowa"])
    open_one(
        admin,
        title="Scheduled for next week",
        opens_on=(day + timedelta(days=3)).isoformat(),
        closes_on=(day + timedelta(days=9)).isoformat(),
    )
    close(open_one(admin, title="Closed yesterday"))
    answered = open_one(admin, title="Answered today")
    service.publish_response(admin, answered, "dropped", "Not now.", link="x", path="/x")
    db.session.flush()
    people = [
        channel.people["dealer_marketer"],
        channel.people["distributor_admin"],
        channel.people["other_marketer"],
        make_person("dealer_marketer", elite),
    ]
    for person in people:
        expected = [c.id for c in visible_consultations(person) if service.is_open(c)]
        assert [c.id for c in consultation_panels.open_consultations(person)] == expected
    assert [c.id for c in consultation_panels.open_consultations(people[0])] == [everyone.id]
    assert len(consultation_panels.open_consultations(people[-1])) == 2
