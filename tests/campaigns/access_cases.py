"""Access cases for the campaigns pages and API (see tests/access.py)."""

from datetime import date

import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.models import CoopProgram
from campaigns.demo import studio as studio_demo
from campaigns.studio import service as studio_service
from campaigns.studio.models import StudioTemplate
from campaigns.studio.profiles import profile_of, save_profile
from hub import db
from tests.access import ROLES, Case

LOGIN = 302
OEM = ("program_admin", "channel_manager", "product_manager")
DEALER_PEOPLE = ("partner_admin", "dealer_marketer", "partner_staff")
SIGNED_IN = {r: 200 for r in ROLES if r != "anonymous"}
API_UNAUTHORIZED = {"anonymous": 401}


def _program(c) -> CoopProgram:
    """The channel's co-op program with a purchase for the dealer (made once per test)."""
    program = db.session.scalar(sa.select(CoopProgram).where(CoopProgram.name == "Matrix Co-op"))
    if program is None:
        admin = c.people["program_admin"]
        program = ledger.create_program(admin, "Matrix Co-op", "USD")
        ledger.set_accrual_rate(admin, program, "0.02", effective_from=date(2025, 1, 1))
        ledger.record_purchases(
            program,
            [
                {
                    "external_id": "matrix-1",
                    "organization_id": c.dealer.id,
                    "amount": "1000.00",
                    "currency": "USD",
                    "purchased_on": "2026-01-15",
                }
            ],
            admin,
            today=date(2026, 11, 22),
        )
    return program


def _with_program(path):
    def build(c):
        _program(c)
        return path(c) if callable(path) else path

    return build


# --- Co-op data: CSV import of purchases, ledger exports ------------------------------------

IMPORT_CSV = (
    "external_id,organization_id,amount,currency,purchased_on\n"
    "matrix-csv-{n},{org},100.00,USD,2026-02-01\n"
)
_uploads = iter(range(1, 10_000))


def _upload(c, *, started=False, finished=False):
    """An uploaded CSV file (previewed; or started; or imported) — its id."""
    from campaigns.coop import imports

    program = _program(c)
    admin = c.people["program_admin"]
    data = IMPORT_CSV.format(n=next(_uploads), org=c.dealer.id).encode()
    upload = imports.store_upload(data, "matrix.csv", admin)
    if started or finished:
        imports.start_import(upload, program, admin, date(2026, 11, 22))
    if finished:
        imports.run_next_chunk(upload, admin, date(2026, 11, 22))
    return upload.id


def _csv_file(c):
    import io

    _program(c)
    data = IMPORT_CSV.format(n=next(_uploads), org=c.dealer.id).encode()
    return {"file": (io.BytesIO(data), "purchases.csv")}


NOT_EXPORTERS = {"product_manager": 403, "partner_staff": 403}

COOP_DATA_CASES = {
    "campaigns.coop_imports": [
        Case(
            "GET",
            _with_program("/campaigns/coop/imports"),
            {"anonymous": LOGIN, "program_admin": 200},
            default=403,
        ),
        Case(
            "POST",
            "/campaigns/coop/imports",
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
            data=_csv_file,
            note="a good file is kept and the preview follows",
        ),
    ],
    "campaigns.coop_import": [
        Case(
            "GET",
            lambda c: f"/campaigns/coop/imports/{_upload(c)}",
            {"anonymous": LOGIN, "program_admin": 200},
            default=403,
            note="the preview",
        ),
        Case(
            "GET",
            lambda c: f"/campaigns/coop/imports/{_upload(c, finished=True)}",
            {"anonymous": LOGIN, "program_admin": 200},
            default=403,
            note="the report",
        ),
        Case(
            "GET",
            _with_program("/campaigns/coop/imports/999999"),
            {"anonymous": LOGIN, "program_admin": 404},
            default=403,
        ),
    ],
    "campaigns.coop_import_template": [
        Case(
            "GET",
            _with_program("/campaigns/coop/imports/template.csv"),
            {"anonymous": LOGIN, "program_admin": 200},
            default=403,
            note="the template CSV: the program admin, who imports",
        ),
    ],
    "campaigns.coop_import_start": [
        Case(
            "POST",
            lambda c: f"/campaigns/coop/imports/{_upload(c)}/start",
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
        ),
    ],
    "campaigns.coop_import_next": [
        Case(
            "POST",
            lambda c: f"/campaigns/coop/imports/{_upload(c, started=True)}/next",
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
        ),
    ],
    "campaigns.coop_import_report": [
        Case(
            "GET",
            lambda c: f"/campaigns/coop/imports/{_upload(c, finished=True)}/report.csv",
            {"anonymous": LOGIN, "program_admin": 200},
            default=403,
        ),
        Case(
            "GET",
            lambda c: f"/campaigns/coop/imports/{_upload(c)}/report.csv",
            {"anonymous": LOGIN, "program_admin": 404},
            default=403,
            note="no report before the import starts",
        ),
    ],
    "campaigns.coop_export": [
        Case(
            "GET",
            _with_program("/campaigns/coop/export"),
            {"anonymous": LOGIN, **NOT_EXPORTERS},
            default=200,
        ),
        Case(
            "GET",
            _with_program(
                lambda c: f"/campaigns/coop/export?download=1&organization_id={c.dealer.id}"
            ),
            {"anonymous": LOGIN, **NOT_EXPORTERS},
            default=200,
            note="the dealer's own account: the dealer, its distributor, the OEM",
        ),
        Case(
            "GET",
            _with_program(
                lambda c: f"/campaigns/coop/export?download=1&organization_id={c.other_dealer.id}"
            ),
            {"anonymous": LOGIN, "program_admin": 200, "channel_manager": 200, **NOT_EXPORTERS},
            default=404,
            note="another branch's account is not there for partners",
        ),
    ],
    "coop_data_api.export_ledger": [
        Case(
            "GET",
            _with_program("/api/v1/coop/ledger/export"),
            {**API_UNAUTHORIZED, **NOT_EXPORTERS},
            default=200,
            json=True,
        ),
        Case(
            "GET",
            _with_program(
                lambda c: f"/api/v1/coop/ledger/export?organization_id={c.other_dealer.id}"
            ),
            {**API_UNAUTHORIZED, "program_admin": 200, "channel_manager": 200, **NOT_EXPORTERS},
            default=404,
            json=True,
        ),
    ],
}


ACCESS_CASES = {
    "campaigns.coop": [
        Case("GET", "/campaigns/coop", {"anonymous": LOGIN}, default=200),
        Case(
            "GET",
            _with_program("/campaigns/coop"),
            {"anonymous": LOGIN},
            default=200,
            note="with a program: partners see their account, the OEM the overview",
        ),
    ],
    "campaigns.coop_account": [
        Case(
            "GET",
            _with_program(lambda c: f"/campaigns/coop/{c.dealer.id}"),
            {"anonymous": LOGIN},
            default=200,
            note="the dealer, its distributor and the OEM see the dealer's account",
        ),
        Case(
            "GET",
            _with_program(lambda c: f"/campaigns/coop/{c.other_dealer.id}"),
            {"anonymous": LOGIN, **{r: 200 for r in OEM}},
            default=404,
        ),
        Case(
            "GET",
            _with_program(lambda c: f"/campaigns/coop/{c.distributor.id}"),
            {"anonymous": LOGIN, "distributor_admin": 200, **{r: 200 for r in OEM}},
            default=404,
            note="a dealer does not see its distributor's account",
        ),
        Case(
            "GET",
            lambda c: f"/campaigns/coop/{c.oem.id}",
            {"anonymous": LOGIN},
            default=404,
            note="the OEM has no co-op account",
        ),
        Case("GET", "/campaigns/coop/999999", {"anonymous": LOGIN}, default=404),
    ],
    "campaigns.coop_how": [
        Case("GET", "/campaigns/coop/how-it-works", {"anonymous": LOGIN}, default=200),
        Case(
            "GET", _with_program("/campaigns/coop/how-it-works"), {"anonymous": LOGIN}, default=200
        ),
    ],
    "campaigns.coop_program": [
        Case(
            "GET",
            _with_program("/campaigns/coop/program"),
            {"anonymous": LOGIN, "program_admin": 200},
            default=403,
        ),
        Case(
            "POST",
            _with_program("/campaigns/coop/program"),
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
            data={"effective_from": "2030-01-01"},
        ),
    ],
    "campaigns_api.get_account": [
        Case(
            "GET",
            _with_program(lambda c: f"/api/v1/coop/accounts/{c.dealer.id}"),
            API_UNAUTHORIZED,
            default=200,
            json=True,
        ),
        Case(
            "GET",
            _with_program(lambda c: f"/api/v1/coop/accounts/{c.other_dealer.id}"),
            {**API_UNAUTHORIZED, **{r: 200 for r in OEM}},
            default=404,
            json=True,
        ),
    ],
    "campaigns_api.import_purchases": [
        Case(
            "POST",
            _with_program("/api/v1/coop/purchases"),
            {**API_UNAUTHORIZED, "program_admin": 200},
            default=403,
            json=True,
            data=lambda c: {
                "lines": [
                    {
                        "external_id": "matrix-2",
                        "organization_id": c.dealer.id,
                        "amount": "500.00",
                        "currency": "USD",
                        "purchased_on": "2026-02-01",
                    }
                ]
            },
        ),
    ],
    "campaigns.coop_program_terms": [
        Case(
            "POST",
            _with_program("/campaigns/coop/program/terms"),
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
            data={
                "carryover_periods": "1",
                "from_bucket": str(date.today().year + 1),
                "claim_window_days": "60",
                "minimum_claim": "0",
            },
        ),
    ],
    **COOP_DATA_CASES,
}


# The proposal pages' cases live beside their helpers.
from tests.campaigns.proposals.proposal_access import PROPOSAL_CASES  # noqa: E402

ACCESS_CASES.update(PROPOSAL_CASES)

# The campaigns API's cases live beside the pages' helpers they reuse.
from tests.campaigns.proposals.proposal_api_access import API_CASES  # noqa: E402

ACCESS_CASES.update(API_CASES)


# --- The co-branding studio ------------------------------------------------------------------

STUDIO_USERS = {"anonymous": LOGIN, "distributor_admin": 200, "partner_admin": 200}
STUDIO_USERS["dealer_marketer"] = 200


def _studio(path):
    """The demo templates and a brand profile (with a logo) for the test dealer."""

    def build(c):
        template = db.session.scalar(
            sa.select(StudioTemplate).where(StudioTemplate.key == "harvest-square")
        )
        if template is None:
            template = studio_demo.install()[0]
        if profile_of(c.dealer.id) is None:
            logo = (studio_demo.prairie_logo(), "logo.png", "image/png")
            save_profile(
                c.people["dealer_marketer"],
                c.dealer,
                {"phone": "555 0100", "website": "dealer.example"},
                logo,
            )
        return path(c, template)

    return build


def _studio_asset(c):
    """A code generated for the test dealer (a PNG of the demo template)."""
    _studio(lambda c, t: "")(c)
    template = db.session.scalar(
        sa.select(StudioTemplate).where(StudioTemplate.key == "harvest-square")
    )
    output = studio_service.personalise(c.people["dealer_marketer"], template, {}, "png")
    return f"/campaigns/studio/assets/{output.code}"


ACCESS_CASES.update(
    {
        "campaigns.studio_home": [
            Case("GET", _studio(lambda c, t: "/campaigns/studio"), STUDIO_USERS, default=403)
        ],
        "campaigns.studio_profile": [
            Case("GET", "/campaigns/studio/profile", STUDIO_USERS, default=403),
            Case(
                "POST",
                "/campaigns/studio/profile",
                {
                    "anonymous": LOGIN,
                    "distributor_admin": 303,
                    "partner_admin": 303,
                    "dealer_marketer": 303,
                },
                default=403,
                data={"phone": "555 0199", "website": "dealer.example"},
                note="a partner's admin or marketer saves their own organisation's profile",
            ),
        ],
        "campaigns.studio_logo": [
            Case(
                "GET",
                _studio(lambda c, t: f"/campaigns/studio/logo/{c.dealer.id}"),
                {"anonymous": LOGIN, "partner_admin": 200, "dealer_marketer": 200},
                default=404,
                note="only the organisation's own studio users see its logo",
            ),
            Case(
                "GET",
                _studio(lambda c, t: f"/campaigns/studio/logo/{c.other_dealer.id}"),
                {"anonymous": LOGIN},
                default=404,
                note="another dealer's logo is not there",
            ),
        ],
        "campaigns.studio_personalise": [
            Case(
                "GET",
                _studio(lambda c, t: f"/campaigns/studio/t/{t.id}"),
                STUDIO_USERS,
                default=403,
            ),
            Case(
                "GET",
                "/campaigns/studio/t/999999",
                {
                    "anonymous": LOGIN,
                    **{r: 404 for r in ("distributor_admin", "partner_admin", "dealer_marketer")},
                },
                default=403,
                note="no such template",
            ),
        ],
        "campaigns.studio_render": [
            Case(
                "GET",
                _studio(lambda c, t: f"/campaigns/studio/t/{t.id}/render.png"),
                {
                    "anonymous": LOGIN,
                    "partner_admin": 200,
                    "dealer_marketer": 200,
                    "distributor_admin": 422,
                },
                default=403,
                note="always the viewer's own brand: the distributor has no logo yet",
            ),
        ],
        "campaigns.studio_deck": [
            Case("GET", "/campaigns/studio/decks/dealer-intro", STUDIO_USERS, default=403),
            Case(
                "GET",
                "/campaigns/studio/decks/nope",
                {
                    "anonymous": LOGIN,
                    "distributor_admin": 404,
                    "partner_admin": 404,
                    "dealer_marketer": 404,
                },
                default=403,
            ),
        ],
        "campaigns.studio_deck_file": [
            Case(
                "GET",
                _studio(lambda c, t: "/campaigns/studio/decks/dealer-intro.pptx?offer=Save"),
                {
                    "anonymous": LOGIN,
                    "partner_admin": 200,
                    "dealer_marketer": 200,
                    "distributor_admin": 422,
                },
                default=403,
                note="always the viewer's own brand: the distributor has no logo yet",
            ),
        ],
        "campaigns.studio_deck_slide": [
            Case(
                "GET",
                _studio(lambda c, t: "/campaigns/studio/decks/dealer-intro/slide-1.png?offer=Save"),
                {
                    "anonymous": LOGIN,
                    "partner_admin": 200,
                    "dealer_marketer": 200,
                    "distributor_admin": 422,
                },
                default=403,
                note="always the viewer's own brand: the distributor has no logo yet",
            ),
            Case(
                "GET",
                _studio(lambda c, t: "/campaigns/studio/decks/nope/slide-1.png?offer=Save"),
                {
                    "anonymous": LOGIN,
                    **{r: 404 for r in ("distributor_admin", "partner_admin", "dealer_marketer")},
                },
                default=403,
                note="no such deck",
            ),
        ],
        "campaigns.studio_asset": [
            Case(
                "GET",
                _studio_asset,
                {
                    "anonymous": LOGIN,
                    "program_admin": 200,
                    "channel_manager": 200,
                    "product_manager": 200,
                    "partner_admin": 200,
                    "dealer_marketer": 200,
                    "partner_staff": 200,
                },
                default=404,
                note="OEM staff and the owning organisation look a code up; anyone else 404",
            ),
            Case(
                "GET",
                "/campaigns/studio/assets/0000-0000",
                {"anonymous": LOGIN},
                default=404,
                note="no such code",
            ),
        ],
        "campaigns.studio_attach": [
            Case(
                "POST",
                _studio(lambda c, t: f"/campaigns/studio/t/{t.id}/attach"),
                {
                    "anonymous": LOGIN,
                    "partner_admin": 422,
                    "dealer_marketer": 422,
                    "distributor_admin": 422,
                },
                default=403,
                data={"proposal_id": "999999", "fmt": "png"},
                note="a campaign outside one's own is refused with a sentence",
            ),
        ],
    }
)


# The campaign kits' cases live beside their helpers.
from tests.campaigns.kits.kit_access import KIT_CASES  # noqa: E402

ACCESS_CASES.update(KIT_CASES)

# The studio's brand-kit (program admin) cases live beside their helpers.
from tests.campaigns.studio.admin_access import ADMIN_CASES as STUDIO_ADMIN_CASES  # noqa: E402

ACCESS_CASES.update(STUDIO_ADMIN_CASES)
