"""Recognition pages: the wall (kudos in the viewer's scope, and the form to give one),
the leaderboard of the viewer's fair group, and the opt-out."""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user

from hub.errors import ValidationFailed
from hub.web.forms import refused, submit_status
from hub.web.pages import int_arg, paginate, render, see_other
from learning.blueprint import bp
from learning.recognition import badges, kudos, leaderboard
from learning.recognition.forms import KudosForm, OptOutForm


@bp.get("/recognition")
def recognition_wall(form: KudosForm | None = None):
    if form is None and kudos.may_give(current_user):
        # ?to=<person id> (the person page's "Give kudos" link) picks them in the list.
        form = KudosForm(formdata=None, recipient_id=request.args.get("to", ""))
    if form is not None:
        form.offer(kudos.recipients(current_user))
    page = paginate(kudos.visible_kudos(current_user, wall=True), int_arg("page"), 20)
    return render(
        "learning/recognition/wall.html",
        status=submit_status(form) if form is not None else 200,
        page=page,
        form=form,
        max_message=kudos.MAX_MESSAGE,
    )


@bp.post("/recognition/kudos")
def kudos_give():
    if not kudos.may_give(current_user):
        abort(403)
    form = KudosForm()
    try:
        if not form.validate():
            raise ValidationFailed({"": ["The form expired; send it again."]})
        given = kudos.give(
            current_user, form.recipient_id.data, form.category.data, form.message.data
        )
    except ValidationFailed as exc:
        refused(form, exc)
        return recognition_wall(form)
    flash(f"Kudos sent to {given.recipient.name}.", "success")
    return see_other("learning.recognition_wall")


@bp.get("/recognition/leaderboard")
def leaderboard_page():
    groups = leaderboard.groups()
    group = None
    if current_user.is_oem:
        tier_id = request.args.get("tier", "")
        group = leaderboard.find_group(
            int(tier_id) if tier_id.isdigit() else None, request.args.get("region", "")
        ) or (groups[0] if groups else None)
    else:
        group = leaderboard.group_of(current_user.organization)
    return render(
        "learning/recognition/leaderboard.html",
        group=group,
        groups=groups if current_user.is_oem else [],
        entries=leaderboard.board(current_user, group) if group else [],
        my_badges=badges.badges_of(current_user.id),
        opt_out=OptOutForm(opted_out=kudos.is_opted_out(current_user.id)),
        points=(leaderboard.CERTIFICATION_POINTS, leaderboard.MODULE_POINTS),
    )


@bp.post("/recognition/settings")
def recognition_settings():
    form = OptOutForm()
    if form.validate_on_submit():
        kudos.set_opted_out(current_user, bool(form.opted_out.data))
        flash(
            "You are off leaderboards and the wall now."
            if form.opted_out.data
            else "You are back on leaderboards and the wall.",
            "success",
        )
    return see_other("learning.leaderboard_page")
