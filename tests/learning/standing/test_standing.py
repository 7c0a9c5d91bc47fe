"""Organisation standing on the real database: who counts (current, active people with
valid certifications), specialisations, tier requirements with their projected lapse,
the pages and the API."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.accounts import service as accounts
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import AuditEvent, Tier
from hub.registry import registry
from hub.standing import service as tier_rules
from hub.standing.models import TierRequirement
from learning.certifications import service as certifications
from learning.standing import overview, specialisations
from learning.standing.measures import TRACK_KEY
from tests.conftest import post_form
from tests.learning.factories import certify, make_learning

TECHNICAL = TRACK_KEY.format(track="technical")


def _days_ago(days):
    return utcnow() - timedelta(days=days)


def _premier(channel):
    return channel.dealer.tier


def _require(channel, key=TECHNICAL, minimum=2):
    return tier_rules.set_requirement(
        channel.people["program_admin"], _premier(channel), key, minimum
    )


def test_a_specialisation_counts_current_people_with_valid_certifications(channel, session):
    learning = make_learning()
    admin = channel.people["program_admin"]
    spec = specialisations.create(
        admin,
        "Technical Specialist — Learning Line",
        learning.path.product_line_id,
        "technical",
        1,
        2,
    )
    staff, marketer = channel.people["partner_staff"], channel.people["dealer_marketer"]
    certify(staff, learning.foundation)
    certify(staff, learning.professional)  # one person, two levels: still one person
    (standing,) = specialisations.evaluate(channel.dealer.id, specs=[spec])
    assert (standing.count, standing.held) == (1, False)
    assert standing.missing == 1
    revoked = certify(marketer, learning.foundation)
    certifications.revoke(admin, revoked, "Shared login.")
    assert specialisations.evaluate(channel.dealer.id, specs=[spec])[0].count == 1
    expired = certify(marketer, learning.foundation, now=_days_ago(800))
    assert expired.valid_until < utcnow()
    assert specialisations.evaluate(channel.dealer.id, specs=[spec])[0].count == 1
    soon = certify(marketer, learning.foundation, now=_days_ago(700))
    (standing,) = specialisations.evaluate(channel.dealer.id, specs=[spec])
    assert standing.held and standing.lapse_on == soon.valid_until


def test_a_level_floor_leaves_lower_levels_out(channel, session):
    learning = make_learning()
    spec = specialisations.create(
        channel.people["program_admin"], "Pro", learning.path.product_line_id, "technical", 2, 1
    )
    certify(channel.people["partner_staff"], learning.foundation)
    assert not specialisations.evaluate(channel.dealer.id, specs=[spec])[0].held
    certify(channel.people["partner_staff"], learning.professional)
    assert specialisations.evaluate(channel.dealer.id, specs=[spec])[0].held


def test_a_bad_specialisation_is_refused_field_by_field(channel, session):
    with pytest.raises(ValidationFailed) as refused:
        specialisations.create(channel.people["program_admin"], "", "x", "cooking", "0", "-1")
    assert set(refused.value.problems) == {
        "name",
        "product_line_id",
        "track",
        "min_rank",
        "min_people",
    }


def test_moving_to_another_dealer_moves_what_counts(channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    certify(staff, learning.foundation)
    measure = registry().measures()[TECHNICAL]
    assert measure.value(channel.dealer) == 1 and measure.value(channel.sibling_dealer) == 0
    staff.organization_id = channel.sibling_dealer.id
    db.session.flush()
    db.session.expire(staff)
    assert measure.value(channel.dealer) == 0 and measure.value(channel.sibling_dealer) == 1


def test_deactivated_people_stop_counting(channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    certify(staff, learning.foundation)
    staff.active = False
    db.session.flush()
    assert registry().measures()[TECHNICAL].value(channel.dealer) == 0


def test_the_projection_names_the_first_expiry_that_breaks_a_requirement(channel, session):
    learning = make_learning()
    _require(channel)
    soon = certify(channel.people["partner_staff"], learning.foundation, now=_days_ago(700))
    later = certify(channel.people["dealer_marketer"], learning.foundation, now=_days_ago(100))
    (premier,) = [t for t in tier_rules.evaluate(channel.dealer) if t.current]
    assert premier.met
    assert premier.first_lapse.lapse_on == soon.valid_until
    sentence = premier.lapse_sentence()
    assert sentence.startswith(f"{premier.tier.name} criteria lapse on ")
    assert "when one of your two Technical certifications expires" in sentence
    # A third certified person: the requirement holds until the second expiry.
    certify(channel.people["partner_admin"], learning.foundation, now=_days_ago(300))
    (premier,) = [t for t in tier_rules.evaluate(channel.dealer) if t.current]
    assert premier.first_lapse.lapse_on < later.valid_until
    assert premier.first_lapse.lapse_on > soon.valid_until
    assert "two of your three" in premier.lapse_sentence()


def test_a_requirement_not_met_says_what_is_missing(channel, session):
    learning = make_learning()
    _require(channel, minimum=3)
    certify(channel.people["partner_staff"], learning.foundation)
    (premier,) = [t for t in tier_rules.evaluate(channel.dealer) if t.current]
    (row,) = premier.rows
    assert (premier.met, row.value, row.missing, row.lapse_on) == (False, 1, 2, None)
    assert premier.lapse_sentence() == ""


def test_lapse_dates_from_drops():
    d = [utcnow() + timedelta(days=n) for n in (30, 10, 20)]
    assert tier_rules.lapse_date(3, 2, d) == d[2]  # the second soonest
    assert tier_rules.lapse_date(2, 2, d) == d[1]
    assert tier_rules.lapse_date(1, 2, d) is None
    assert tier_rules.lapse_date(5, 2, d) is None


def test_tier_requirements_are_set_audited_and_refused_with_sentences(channel, session):
    admin = channel.people["program_admin"]
    req = _require(channel, minimum=2)
    _require(channel, minimum=3)  # the same measure again: the minimum changes
    rows = db.session.scalars(sa.select(TierRequirement)).all()
    assert [(r.id, r.minimum) for r in rows] == [(req.id, 3)]
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("tier.requirement%"))
    ).all()
    assert actions == ["tier.requirement_set", "tier.requirement_set"]
    with pytest.raises(ValidationFailed) as refused:
        tier_rules.set_requirement(admin, _premier(channel), "nothing:offers:this", "x")
    assert set(refused.value.problems) == {"measure_key", "minimum"}
    with pytest.raises(PermissionError):
        tier_rules.set_requirement(channel.people["partner_admin"], _premier(channel), TECHNICAL, 1)
    tier_rules.remove_requirement(admin, req)
    db.session.flush()
    assert db.session.scalars(sa.select(TierRequirement)).all() == []


def test_the_program_page_sets_and_removes_a_requirement(client, login_as, channel, session):
    login_as("program_admin")
    tier = _premier(channel)
    page = client.get("/admin/program").get_data(as_text=True)
    assert "Staff certified in Technical" in page
    done = post_form(
        client,
        f"/admin/tiers/{tier.id}/requirements",
        {"measure_key": TECHNICAL, "minimum": "2"},
        token_page="/admin/program",
    )
    assert done.status_code == 303
    req = db.session.scalar(sa.select(TierRequirement))
    assert (req.tier_id, req.minimum) == (tier.id, 2)
    refused = post_form(
        client,
        f"/admin/tiers/{tier.id}/requirements",
        {"measure_key": TECHNICAL, "minimum": "lots"},
        token_page="/admin/program",
        follow_redirects=True,
    )
    assert "Enter the minimum as a whole number" in refused.get_data(as_text=True)
    gone = post_form(
        client, f"/admin/tier-requirements/{req.id}/delete", token_page="/admin/program"
    )
    assert gone.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TierRequirement)) == 0


def test_the_standing_page_shows_the_projected_lapse(client, login_as, channel, session):
    learning = make_learning()
    _require(channel)
    certify(channel.people["partner_staff"], learning.foundation, now=_days_ago(700))
    certify(channel.people["dealer_marketer"], learning.foundation)
    login_as("partner_admin")
    html = client.get(f"/learning/standing/{channel.dealer.id}").get_data(as_text=True)
    assert "criteria lapse on" in html
    assert "when one of your two Technical certifications expires" in html
    assert channel.people["partner_staff"].name in html
    # Hub's organisation page shows the tier's criteria too (hub.standing, no feature named).
    org_page = client.get(f"/organizations/{channel.dealer.id}").get_data(as_text=True)
    assert "criteria lapse on" in org_page and "Staff certified in Technical" in org_page


def test_a_distributor_admin_sees_its_dealers_coverage(client, login_as, channel, session):
    learning = make_learning()
    certify(channel.people["partner_staff"], learning.foundation)
    certify(channel.people["other_marketer"], learning.foundation)
    login_as("distributor_admin")
    own = client.get("/learning/standing")  # its own organisation's standing, at this address
    assert own.status_code == 200
    html = own.get_data(as_text=True)
    assert f"{channel.distributor.name}: standing" in html
    assert channel.dealer.name in html and channel.sibling_dealer.name in html
    assert channel.other_dealer.name not in html
    view = overview.organization_standing(channel.people["distributor_admin"], channel.distributor)
    counts = {row.organization.id: sum(row.counts.values()) for row in view.coverage}
    assert counts == {channel.distributor.id: 0, channel.dealer.id: 1, channel.sibling_dealer.id: 0}


def test_partner_staff_may_not_read_standing(client, login_as, channel, session):
    _require(channel, minimum=1)
    login_as("partner_staff")
    org_page = client.get(f"/organizations/{channel.dealer.id}").get_data(as_text=True)
    assert "Staff certified in Technical" not in org_page
    assert client.get(f"/learning/standing/{channel.dealer.id}").status_code == 403
    assert client.get(f"/learning/standing/{channel.other_dealer.id}").status_code == 404


def test_the_specialisation_page_shows_problems_with_the_input(client, login_as, channel, session):
    make_learning()
    login_as("program_admin")
    refused = post_form(
        client,
        "/learning/standing/specialisations",
        {"name": "Keep me", "track": "technical", "min_rank": "1", "min_people": "zero"},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'value="Keep me"' in html and "Choose a product line." in html
    assert "Enter a whole number" in html


def test_the_api_reads_standing_in_scope(client, channel, session):
    learning = make_learning()
    _require(channel)
    certify(channel.people["partner_staff"], learning.foundation, now=_days_ago(700))
    certify(channel.people["dealer_marketer"], learning.foundation)
    token = accounts.create_api_token(channel.people["partner_admin"], "t").secret
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/learning/standing/{channel.dealer.id}", headers=headers).get_json()
    (premier,) = [t for t in body["tiers"] if t["current"]]
    assert premier["met"] and "criteria lapse on" in premier["lapse"]
    assert premier["requirements"][0]["lapses_on"].endswith("Z")
    other = client.get(f"/api/v1/learning/standing/{channel.other_dealer.id}", headers=headers)
    assert other.status_code == 404 and other.mimetype == "application/problem+json"


def test_learning_offers_qualifications_for_levels_and_specialisations(channel, session):
    learning = make_learning()
    spec = specialisations.create(
        channel.people["program_admin"], "Solo", learning.path.product_line_id, "technical", 1, 1
    )
    keys = {q.key for q in registry().qualification_choices()}
    assert f"learning:level:{learning.foundation.id}" in keys
    assert f"learning:specialisation:{spec.id}" in keys
    staff = channel.people["partner_staff"]
    assert registry().qualifications_of(staff) == set()
    certify(staff, learning.foundation)
    assert registry().qualifications_of(staff) == {
        f"learning:level:{learning.foundation.id}",
        f"learning:specialisation:{spec.id}",
    }
    # The dealer's other people hold the specialisation through their organisation.
    assert f"learning:specialisation:{spec.id}" in registry().qualifications_of(
        channel.people["dealer_marketer"]
    )
    assert db.session.scalar(sa.select(Tier.id).limit(1)) is not None
