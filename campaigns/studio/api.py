"""The brand-kit JSON API (`/api/v1/studio`), the program admin's: every image and deck
template with its state and the partners that used it, and publishing or unpublishing
a template — the same rules the brand-kit pages call (`authoring.set_published`, so a
template whose sample-dealer preview fails is a 422 with the sentence). Other roles get
a 403 before the body is read; an unknown template is a 404."""

from __future__ import annotations

from flask import Flask, abort

from campaigns.studio import authoring, deck_uploads, library, service, usage
from campaigns.studio.models import StudioTemplate
from campaigns.studio.schemas import BrandKitTemplate, Publish, TemplateUse
from hub import db
from hub.api import Page, allow_only, api_blueprint, context, current_person, openapi, operation

bp = api_blueprint("studio_api", __name__, url_prefix="/api/v1/studio")
TAG = "studio"
TAGS = [TAG]
ADMIN_ONLY = allow_only(library.may_author, "Only the program admin manages the brand kit.")


def _uses(kind: str, key: str) -> list[TemplateUse]:
    return [TemplateUse.of(u) for u in usage.uses(kind, key)]


def _image(template: StudioTemplate) -> BrandKitTemplate:
    return BrandKitTemplate(
        kind=usage.IMAGE,
        id=template.id,
        key=template.key,
        name=template.name,
        published=template.published,
        uses=_uses(usage.IMAGE, template.key),
    )


@bp.get("/templates")
@operation(
    "The brand kit's templates and who uses them (program admin)",
    description=(
        "Every image template and deck template, published or not, with the partners that "
        "downloaded an output of it or attached one to a campaign (previews are not "
        "counted): how many times each and when last. All on one page."
    ),
    tags=TAGS,
    responses={200: (Page[BrandKitTemplate], "Every template.")},
    problems=(403,),
    before=ADMIN_ONLY,
)
def list_templates():
    found = [_image(t) for t in authoring.all_templates()]
    found += [
        BrandKitTemplate(
            kind=usage.DECK,
            id=None,
            key=key,
            name=name,
            published=True,
            uses=_uses(usage.DECK, key),
        )
        for key, name in service.DECKS.items()
    ]
    found += [
        BrandKitTemplate(
            kind=usage.DECK,
            id=d.id,
            key=d.key,
            name=d.name,
            published=d.published,
            uses=_uses(usage.DECK, d.key),
        )
        for d in deck_uploads.all_decks()
    ]
    return Page[BrandKitTemplate](data=found, next_cursor=None)


@bp.post("/templates/<int:template_id>/publish")
@operation(
    "Publish or unpublish an image template (program admin)",
    description=(
        "Offers the template to dealers (`published: true`) or takes it back. Publishing "
        "renders its preview with the sample dealer first: when that fails (a default "
        "text that breaks the rules, say) the answer is a 422 naming why."
    ),
    tags=TAGS,
    json=Publish,
    responses={200: (BrandKitTemplate, "The template.")},
    problems=(403, 404),
    before=ADMIN_ONLY,
)
def publish_template(template_id: int):
    template = db.session.get(StudioTemplate, template_id)
    if template is None:
        abort(404)
    body: Publish = context().json
    authoring.set_published(current_person(), template, body.published, service.forbidden_words())
    db.session.flush()
    return _image(template)


def init_app(app: Flask) -> None:
    """Register the brand-kit API."""
    openapi.register_tag(TAG, "The co-branding studio's brand kit (program admin).", app=app)
    app.register_blueprint(bp)
