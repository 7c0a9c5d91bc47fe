"""What the beta pages share: finding a program the viewer may see (404 otherwise), and
the door to its space — a 404 for anyone not in the program, and for a tester who has
not signed the NDA's current version, a redirect to the NDA with a sentence saying so —
and the beta programs' step when a product manager moves an idea (idea_status_listener)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from feedback.betas.access import get_visible
from feedback.betas.models import BetaProgram
from feedback.betas.nda import NdaRequired, require_space, sentence
from feedback.betas.programs import invite_for_idea


def program_or_404(program_id: int) -> BetaProgram:
    program = get_visible(current_user, program_id)
    if program is None:
        abort(404)
    return program


def space_or_404(program_id: int) -> BetaProgram:
    """The program whose space the viewer may use now (see the module's docstring)."""
    program = program_or_404(program_id)
    try:
        require_space(current_user, program)
    except LookupError:
        abort(404)
    except NdaRequired:
        flash(sentence(program), "info")
        abort(redirect(url_for("feedback.beta_nda", program_id=program.id), code=303))
    return program


def client_ip() -> str:
    return request.remote_addr or ""


def idea_status_listener(actor, idea, change) -> str | None:
    """Registered with feedback.ideas' status moves: an idea moved to "in beta" invites
    its voters to the linked programs (page and API alike); says what it did."""
    done = invite_for_idea(
        actor, idea, path_for=lambda p: url_for("feedback.beta_program", program_id=p.id)
    )
    if not done:
        return None
    return " ".join(
        f"{count} {'voter was' if count == 1 else 'voters were'} invited to “{program.title}”."
        for program, count in done
    )
