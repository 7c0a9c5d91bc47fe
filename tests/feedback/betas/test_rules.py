"""The beta programs' rules on the real database: eligibility (tiers, regions and
qualifications read through hub.registry), applying and deciding, the NDA per version,
invitations of a linked idea's voters, reports, surveys, engagement and the outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback.betas import service as betas
from feedback.betas.models import BetaInvitation, BetaSurveyResponse
from feedback.ideas import service as ideas
from hub.db import today
from hub.errors import Conflict, ValidationFailed
from hub.models import AuditEvent, Notification, OutboxMail, Tier
from tests.feedback.betas.support import (
    LINKS,
    accept,
    answers,
    end,
    make_program,
    png_bytes,
    program_data,
    run,
    survey_of,
)


def _sentences(exc) -> str:
    return " ".join(m for msgs in exc.value.problems.values() for m in msgs)


def _actions(session, action):
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


# --- The program --------------------------------------------------------------------------


def test_a_program_with_dates_out_of_order_is_refused_with_sentences(channel, line):
    data = program_data(line, title="", starts_on=(today() - timedelta(days=30)).isoformat())
    with pytest.raises(ValidationFailed) as exc:
        betas.create(channel.people["product_manager"], data)
    assert "Give the program a title" in exc.value.problems["title"][0]
    assert exc.value.problems["starts_on"] == ["Start the program once applications have closed."]


def test_only_product_managers_and_program_admins_create_programs(channel, line):
    with pytest.raises(PermissionError):
        betas.create(channel.people["channel_manager"], program_data(line))
    assert betas.create(channel.people["program_admin"], program_data(line)).id


def test_editing_the_nda_text_raises_its_version_and_testers_sign_again(channel, line, session):
    pm, marketer = channel.people["product_manager"], channel.people["dealer_marketer"]
    program = make_program(pm, line)
    accept(pm, program, marketer)
    betas.sign(marketer, program)
    betas.require_space(marketer, program)  # signed: the space is open
    betas.update(pm, program, program_data(line, title="Renamed"))
    assert program.nda_version == 1  # the NDA didn't change
    betas.update(pm, program, program_data(line, nda_text="New terms."))
    assert program.nda_version == 2
    with pytest.raises(betas.NdaRequired, match="version 2"):
        betas.require_space(marketer, program)
    signature = betas.sign(marketer, program)
    assert (signature.version, signature.person_id) == (2, marketer.id)
    assert signature.signed_at is not None
    assert len(_actions(session, "beta.nda_signed")) == 2


# --- Eligibility and applying --------------------------------------------------------------


def test_an_ineligible_partner_is_refused_with_a_sentence_naming_what_they_lack(
    channel, line, session, qualifications
):
    pm, marketer = channel.people["product_manager"], channel.people["dealer_marketer"]
    elite = Tier(name="Elite", rank=9)
    session.add(elite)
    session.flush()
    program = make_program(
        pm,
        line,
        tier_ids=[str(elite.id)],
        regions=["Nebraska"],
        qualification_keys=["test:hydraulics"],
    )
    with pytest.raises(ValidationFailed) as exc:
        betas.apply(marketer, program, "Please.")
    said = _sentences(exc)
    assert "This program is for Elite partners; Test Dealer is Premier." in said
    assert "Hydraulics specialist" in said and "you hold none of them" in said
    assert "Nebraska" not in said  # the dealer is in Nebraska: that rule holds
    marketer.organization.tier_id = elite.id
    qualifications.held[marketer.id] = {"test:hydraulics"}
    application = betas.apply(marketer, program, "Now I qualify.")
    assert application.status == "applied"


def test_applying_outside_the_window_twice_or_as_the_oem_is_refused(channel, line):
    pm, marketer = channel.people["product_manager"], channel.people["dealer_marketer"]
    later = make_program(
        pm,
        line,
        applications_open=(today() + timedelta(days=2)).isoformat(),
        applications_close=(today() + timedelta(days=9)).isoformat(),
    )
    with pytest.raises(ValidationFailed, match="open on"):
        betas.apply(marketer, later, "Early.")
    program = make_program(pm, line)
    with pytest.raises(ValidationFailed, match="why you'd test it"):
        betas.apply(marketer, program, "   ")
    betas.apply(marketer, program, "Me.")
    with pytest.raises(Conflict, match="You applied on"):
        betas.apply(marketer, program, "Me again.")
    with pytest.raises(PermissionError):
        betas.apply(pm, program, "I'm the PM.")


def test_accepting_past_the_maximum_is_refused_and_the_applicant_is_told(channel, line, session):
    pm = channel.people["product_manager"]
    program = make_program(pm, line, max_participants="1")
    first = accept(pm, program, channel.people["dealer_marketer"])
    assert first.status == "accepted"
    second = betas.apply(channel.people["partner_staff"], program, "Me too.")
    with pytest.raises(Conflict, match="The program is full"):
        betas.decide(pm, program, second, "accepted", **LINKS)
    betas.decide(pm, program, second, "waitlisted", **LINKS)
    staff = channel.people["partner_staff"]
    note = session.scalar(sa.select(Notification).where(Notification.person_id == staff.id))
    assert "waiting list" in note.text
    mail = session.scalar(sa.select(OutboxMail).where(OutboxMail.to == staff.email))
    assert "waitlisted" in mail.subject
    assert len(_actions(session, "beta.decided")) == 2


def test_voters_of_the_linked_idea_are_invited_once_when_published_or_linked(
    channel, line, session
):
    pm, marketer = channel.people["product_manager"], channel.people["dealer_marketer"]
    idea = ideas.post_idea(
        channel.people["partner_admin"],
        {"product_line_id": line.id, "title": "Quick-attach mower deck", "problem": "Slow."},
    )
    ideas.vote(marketer, idea)
    ideas.vote(channel.people["partner_staff"], idea)
    program = make_program(pm, line, idea_id=str(idea.id))
    invited = set(session.scalars(sa.select(BetaInvitation.person_id)))
    assert invited == {marketer.id, channel.people["partner_staff"].id}
    assert betas.invite_voters(pm, program, path="/x") == 0  # nobody twice
    # Linking the idea to a program already published invites its voters then.
    other = make_program(pm, line, title="Second trial")
    betas.update(pm, other, program_data(line, title="Second trial", idea_id=str(idea.id)))
    notes = session.scalars(
        sa.select(Notification.text).where(
            Notification.person_id == marketer.id, Notification.kind == "beta.invited"
        )
    ).all()
    assert len(notes) == 2 and "Second trial" in notes[1]


# --- The space: NDA first, reports, surveys --------------------------------------------------


def test_nothing_in_the_space_opens_before_the_nda_is_signed(channel, line):
    pm, marketer = channel.people["product_manager"], channel.people["dealer_marketer"]
    program = make_program(pm, line)
    with pytest.raises(LookupError):  # not a tester: no space at all
        betas.require_space(marketer, program)
    accept(pm, program, marketer)
    report = {"kind": "praise", "title": "Nice", "details": "Works."}
    with pytest.raises(betas.NdaRequired, match="Sign the NDA"):
        betas.file_report(marketer, program, report)
    survey = survey_of(pm, program)
    with pytest.raises(betas.NdaRequired):
        betas.answer(marketer, program, survey, answers(survey))
    betas.sign(marketer, program)
    assert betas.file_report(marketer, program, report).id


def test_an_issue_needs_severity_and_steps_and_photos_must_be_images(channel, line):
    pm, marketer = channel.people["product_manager"], channel.people["dealer_marketer"]
    program = make_program(pm, line)
    accept(pm, program, marketer)
    betas.sign(marketer, program)
    with pytest.raises(ValidationFailed) as exc:
        betas.file_report(marketer, program, {"kind": "issue", "title": "Sticks", "details": "."})
    assert set(exc.value.problems) == {"severity", "steps"}
    with pytest.raises(ValidationFailed, match=r"can.t be used|not an image"):
        betas.keep_photo(marketer, b"%PDF-1.4 not an image", "notes.png")
    photo = betas.keep_photo(marketer, png_bytes(), "button.jpg")
    report = betas.file_report(
        marketer,
        program,
        {
            "kind": "issue",
            "severity": "high",
            "title": "Button sticks <script>x</script>",
            "details": "In the cold.",
            "steps": "1. Freeze. 2. Press.",
        },
        [photo],
    )
    assert report.severity == "high" and report.title.endswith("</script>")  # kept as typed
    assert [p.file.filename for p in report.photos] == ["button.png"]


def test_survey_answers_once_and_results_count_each_answer(channel, line, session):
    pm = channel.people["product_manager"]
    program = make_program(pm, line)
    testers = [channel.people["dealer_marketer"], channel.people["partner_staff"]]
    for person in testers:
        accept(pm, program, person)
        betas.sign(person, program)
    survey = survey_of(pm, program)
    with pytest.raises(ValidationFailed) as exc:
        betas.answer(testers[0], program, survey, answers(survey, rating="6", choice="Nope"))
    assert len(exc.value.problems) == 2
    betas.answer(testers[0], program, survey, answers(survey, rating="4"))
    betas.answer(testers[1], program, survey, answers(survey, rating="2", choice="Spear"))
    with pytest.raises(Conflict, match="answered this survey already"):
        betas.answer(testers[0], program, survey, answers(survey))
    responded, results = betas.results(survey)
    rating, choice, text = results
    assert responded == 2
    assert rating.counts == [("1", 0), ("2", 1), ("3", 0), ("4", 1), ("5", 0)]
    assert rating.average == 3.0
    assert choice.counts == [("Grapple", 1), ("Spear", 1)]
    assert text.texts == ["A decal.", "A decal."]


def test_a_survey_needs_a_question_and_choices_for_a_choice(channel, line):
    pm = channel.people["product_manager"]
    program = make_program(pm, line)
    with pytest.raises(ValidationFailed) as exc:
        betas.create_survey(pm, program, "Empty", "", [{"kind": "rating", "prompt": ""}])
    assert "q1_prompt" in exc.value.problems
    with pytest.raises(ValidationFailed) as exc:
        betas.create_survey(
            pm, program, "One choice", "", [{"kind": "choice", "prompt": "Pick", "choices": "A"}]
        )
    assert "q1_choices" in exc.value.problems


# --- Engagement and outcome -------------------------------------------------------------------


def test_engagement_counts_reports_surveys_and_timeliness_and_sorts_next_applicants(
    channel, line, session
):
    pm = channel.people["product_manager"]
    keen, quiet = channel.people["dealer_marketer"], channel.people["partner_staff"]
    first = make_program(pm, line)
    for person in (keen, quiet):
        accept(pm, first, person)
        betas.sign(person, first)
    survey = survey_of(pm, first)
    for n in range(2):
        betas.file_report(keen, first, {"kind": "idea", "title": f"Idea {n}", "details": "."})
    betas.answer(keen, first, survey, answers(survey))
    late = betas.answer(quiet, first, survey, answers(survey))
    late.submitted_at = survey.created_at + timedelta(days=8)  # answered after a week
    session.flush()
    scores = betas.scores(first.id, [keen.id, quiet.id])
    # keen: 2 reports (20) + a survey (20) on time (10) = 50 of 80; quiet: 20 of 80.
    assert (scores[keen.id].score, scores[quiet.id].score) == (62, 25)
    second = make_program(pm, line, title="Next trial")
    newcomer = channel.people["partner_admin"]
    for person in (newcomer, quiet, keen):
        betas.apply(person, second, "Again.")
    order = [a.application.person_id for a in betas.applicants(second)]
    assert order == [keen.id, quiet.id, newcomer.id]
    assert [a.track_record for a in betas.applicants(second)] == [62, 25, None]


def test_the_outcome_waits_for_the_end_and_reaches_every_tester(channel, line, session):
    pm = channel.people["product_manager"]
    program = make_program(pm, line)
    testers = [channel.people["dealer_marketer"], channel.people["partner_staff"]]
    for person in testers:
        accept(pm, program, person)
    run(program)
    with pytest.raises(ValidationFailed, match="once the program has ended"):
        betas.post_outcome(pm, program, "It ships.", **LINKS)
    end(program)
    assert betas.phase(program) == betas.Phase.ENDED
    told = betas.post_outcome(pm, program, "It ships in spring.", **LINKS)
    assert told == 2
    for person in testers:
        note = session.scalar(
            sa.select(Notification).where(
                Notification.person_id == person.id, Notification.kind == "beta.outcome"
            )
        )
        assert "It ships in spring." in note.text
        mail = session.scalar(
            sa.select(OutboxMail)
            .where(OutboxMail.to == person.email)
            .order_by(OutboxMail.id.desc())
        )
        assert "the outcome" in mail.subject and "It ships in spring." in mail.body
    assert _actions(session, "beta.outcome_posted")[0].after["told"] == 2
    assert session.scalar(sa.select(sa.func.count()).select_from(BetaSurveyResponse)) == 0
