"""The beta pages: applying (and the sentence an ineligible partner reads), the NDA
gate in front of the space, a refused report keeping what was typed, the PM's program
form, and the survey results drawn as bars with a table beside them."""

from __future__ import annotations

import io

import sqlalchemy as sa

from feedback.betas import service as betas
from feedback.betas.models import BetaProgram, BetaReport, BetaSurveyResponse
from hub.models import Tier
from tests.conftest import post_form
from tests.feedback.betas.support import accept, answers, make_program, program_data, survey_of


def test_an_eligible_partner_applies_and_an_ineligible_one_reads_what_they_lack(
    client, login_as, channel, line, session
):
    elite = Tier(name="Elite", rank=9)
    session.add(elite)
    session.flush()
    pm = channel.people["product_manager"]
    open_to_all = make_program(pm, line, title="Open trial")
    elite_only = make_program(pm, line, title="Elite trial", tier_ids=[str(elite.id)])
    login_as("dealer_marketer")
    listing = client.get("/feedback/betas").get_data(as_text=True)
    assert "Open trial" in listing and "Elite trial" not in listing
    page = client.get(f"/feedback/betas/{elite_only.id}").get_data(as_text=True)
    assert "This program is for Elite partners; Test Dealer is Premier." in page
    assert 'name="motivation"' not in page
    refused = post_form(
        client,
        f"/feedback/betas/{elite_only.id}/apply",
        {"motivation": "Let me in <b>please</b>"},
        token_page=f"/feedback/betas/{open_to_all.id}",
    )
    assert refused.status_code == 422
    assert "Elite partners" in refused.get_data(as_text=True)
    empty = post_form(client, f"/feedback/betas/{open_to_all.id}/apply", {"motivation": ""})
    assert empty.status_code == 422 and "why you" in empty.get_data(as_text=True)
    applied = post_form(client, f"/feedback/betas/{open_to_all.id}/apply", {"motivation": "Us!"})
    assert applied.status_code == 303
    assert "Applied" in client.get(f"/feedback/betas/{open_to_all.id}").get_data(as_text=True)


def test_the_space_waits_behind_the_nda_and_other_dealers_get_a_404(
    client, login_as, channel, line
):
    pm = channel.people["product_manager"]
    program = make_program(pm, line)
    accept(pm, program, channel.people["dealer_marketer"])
    login_as("other_marketer")
    assert client.get(f"/feedback/betas/{program.id}/space").status_code == 404
    login_as("dealer_marketer")
    gate = client.get(f"/feedback/betas/{program.id}/space", follow_redirects=True)
    assert gate.request.path == f"/feedback/betas/{program.id}/nda"
    assert "Sign the NDA of" in gate.get_data(as_text=True)
    signed = post_form(client, f"/feedback/betas/{program.id}/nda")
    assert signed.status_code == 303 and signed.location.endswith("/space")
    assert client.get(f"/feedback/betas/{program.id}/space").status_code == 200
    assert betas.has_signed(channel.people["dealer_marketer"], program)


def test_a_refused_report_keeps_the_input_and_names_the_bad_photo(
    client, login_as, channel, line, session
):
    pm = channel.people["product_manager"]
    program = make_program(pm, line)
    accept(pm, program, channel.people["dealer_marketer"])
    betas.sign(channel.people["dealer_marketer"], program)
    login_as("dealer_marketer")
    url = f"/feedback/betas/{program.id}/reports/new"
    response = post_form(
        client,
        url,
        {
            "kind": "issue",
            "severity": "high",
            "title": "Button sticks in the cold",
            "details": "At -10 °C.",
            "steps": "Press it.",
            "photos": (io.BytesIO(b"just text"), "notes.png"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“notes.png”" in page and "Button sticks in the cold" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(BetaReport)) == 0


def test_the_pm_drafts_a_program_and_a_refused_form_keeps_the_input(
    client, login_as, line, session
):
    login_as("product_manager")
    bad = post_form(client, "/feedback/betas/new", program_data(line, ends_on="soon"))
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Enter the end date as a date" in page and "Loader joystick field trial" in page
    good = post_form(client, "/feedback/betas/new", program_data(line, title="Deck beta"))
    assert good.status_code == 303
    program = session.scalar(sa.select(BetaProgram).where(BetaProgram.title == "Deck beta"))
    assert program.published_at is None and good.location.endswith(f"/{program.id}/manage")


def test_survey_results_are_bars_with_a_text_alternative(client, login_as, channel, line):
    pm = channel.people["product_manager"]
    program = make_program(pm, line)
    tester = channel.people["dealer_marketer"]
    accept(pm, program, tester)
    betas.sign(tester, program)
    survey = survey_of(pm, program)
    betas.answer(tester, program, survey, answers(survey, rating="5", choice="Spear"))
    login_as("product_manager")
    page = client.get(f"/feedback/betas/{program.id}/surveys/{survey.id}/results").get_data(
        as_text=True
    )
    assert '<svg class="barchart" role="img"' in page
    assert "How does it feel?: 1 0; 2 0; 3 0; 4 0; 5 1" in page  # the chart's <title>
    assert '<th scope="row">Spear</th><td class="num">1</td>' in page
    assert "1 of 1 testers answered" in page


def test_an_incomplete_survey_comes_back_with_a_sentence_per_question(
    client, login_as, channel, line, session
):
    pm = channel.people["product_manager"]
    program = make_program(pm, line)
    tester = channel.people["dealer_marketer"]
    accept(pm, program, tester)
    betas.sign(tester, program)
    survey = survey_of(pm, program)
    login_as("dealer_marketer")
    url = f"/feedback/betas/{program.id}/surveys/{survey.id}"
    typed = {k: v for k, v in answers(survey, text="Keep this text").items()}
    rating_field = next(k for k, v in typed.items() if v == "4")
    typed.pop(rating_field)
    response = post_form(client, url, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a rating from 1 to 5." in page and "Keep this text" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(BetaSurveyResponse)) == 0
    done = post_form(client, url, answers(survey))
    assert done.status_code == 303
    assert "You answered this survey" in client.get(url).get_data(as_text=True)


def test_a_document_the_pm_uploads_downloads_as_a_pdf_for_testers_only(
    client, login_as, channel, line
):
    from PIL import Image
    from pypdf import PdfReader

    pm = channel.people["product_manager"]
    program = make_program(pm, line)
    tester = channel.people["dealer_marketer"]
    accept(pm, program, tester)
    betas.sign(tester, program)
    pdf = io.BytesIO()
    Image.new("RGB", (200, 260), "white").save(pdf, format="PDF")
    login_as("product_manager")
    manage = f"/feedback/betas/{program.id}/manage"
    refused = post_form(
        client,
        f"/feedback/betas/{program.id}/documents",
        {"title": "Guide", "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "guide.pdf")},
        token_page=manage,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "“guide.pdf”" in refused.get_data(as_text=True)
    uploaded = post_form(
        client,
        f"/feedback/betas/{program.id}/documents",
        {"title": "Tester guide", "file": (io.BytesIO(pdf.getvalue()), "guide.pdf")},
        token_page=manage,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303
    document = betas.documents(program)[0]
    url = f"/feedback/betas/{program.id}/documents/{document.id}"
    login_as("dealer_marketer")
    download = client.get(url)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    data = download.data
    download.close()
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    login_as("other_marketer")
    assert client.get(url).status_code == 404
