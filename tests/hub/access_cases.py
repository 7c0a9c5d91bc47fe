"""Access cases for the core's pages (see tests/access.py)."""

from hub import db
from hub.models import Person, Role, TerritoryAssignment
from hub.registry import registry
from hub.standing import service as standing
from tests.access import Case

LOGIN = 302  # anonymous visitors are sent to the sign-in page


def _any_measure() -> str:
    """A measure some area offers (hub names none of them)."""
    return next(iter(registry().measures()))


def _requirement(c):
    return standing.set_requirement(c.people["program_admin"], c.dealer.tier, _any_measure(), 1)


# Statuses by role for a page about an object in another branch of the channel:
# OEM staff see it; every partner gets 404, as if it did not exist.
OTHER_BRANCH = {
    "anonymous": LOGIN,
    "program_admin": 200,
    "channel_manager": 200,
    "product_manager": 200,
}
PROGRAM_ADMIN_ONLY = {"anonymous": LOGIN, "program_admin": 200}


def _person(key):
    return lambda c: c.people[key]


def _covering(org_key: str, prefix: str = "/people"):
    """The profile path of a new channel manager whose territory is that organisation."""

    def path(c):
        org = getattr(c, org_key)
        manager = Person(
            email=f"covers-{org.id}@oem.example",
            name="Covering Manager",
            role=Role.CHANNEL_MANAGER,
            organization=c.oem,
        )
        db.session.add(manager)
        db.session.flush()
        db.session.add(TerritoryAssignment(channel_manager_id=manager.id, organization_id=org.id))
        db.session.flush()
        return f"{prefix}/{manager.id}"

    return path


# OEM staff whose public profile partners see: those who serve them (hub.policy.serving_staff).
SERVING_NOTE = "a partner sees the public profile of the OEM staff who serve it"


ACCESS_CASES = {
    "hub.healthz": [Case("GET", "/healthz", {}, default=200)],
    "hub.dashboard": [Case("GET", "/", {"anonymous": LOGIN}, default=200)],
    "hub.notification_list": [Case("GET", "/notifications", {"anonymous": LOGIN}, default=200)],
    "hub.notification_read": [
        Case(
            "POST",
            lambda c: f"/notifications/{c.notification_for_marketer.id}/read",
            {"anonymous": LOGIN},
            default=303,
            note="marking someone else's notification changes nothing (the update is per person)",
        )
    ],
    "hub.notification_read_all": [
        Case("POST", "/notifications/read-all", {"anonymous": LOGIN}, default=303)
    ],
    "hub.organization_list": [Case("GET", "/organizations", {"anonymous": LOGIN}, default=200)],
    "hub.organization_detail": [
        Case(
            "GET",
            lambda c: f"/organizations/{c.dealer.id}",
            {
                "anonymous": LOGIN,
                "partner_admin": 200,
                "dealer_marketer": 200,
                "partner_staff": 200,
                "distributor_admin": 200,
            },
            default=200,
        ),
        Case("GET", lambda c: f"/organizations/{c.other_dealer.id}", OTHER_BRANCH, default=404),
        Case(
            "GET",
            lambda c: f"/organizations/{c.distributor.id}",
            {
                "anonymous": LOGIN,
                "distributor_admin": 200,
                **{r: 200 for r in ("program_admin", "channel_manager", "product_manager")},
            },
            default=404,
            note="a dealer does not see its distributor's page",
        ),
        Case("GET", "/organizations/999999", {"anonymous": LOGIN}, default=404),
    ],
    "hub.organization_new": [
        Case("GET", "/organizations/new", PROGRAM_ADMIN_ONLY, default=403),
        Case(
            "POST",
            "/organizations/new",
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
            data=lambda c: {
                "name": "New Dealer",
                "kind": "dealer",
                "parent_id": str(c.distributor.id),
                "tier": "Premier",
                "tracks": ["dealer_var"],
            },
        ),
    ],
    "hub.organization_edit": [
        Case(
            "GET",
            lambda c: f"/organizations/{c.dealer.id}/edit",
            {
                "anonymous": LOGIN,
                "program_admin": 200,
                "partner_admin": 200,
                "distributor_admin": 403,
                "dealer_marketer": 403,
                "partner_staff": 403,
            },
            default=403,
        ),
        Case(
            "GET",
            lambda c: f"/organizations/{c.other_dealer.id}/edit",
            {
                "anonymous": LOGIN,
                "program_admin": 200,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=404,
        ),
        Case(
            "POST",
            lambda c: f"/organizations/{c.dealer.id}/edit",
            {
                "anonymous": LOGIN,
                "program_admin": 422,
                "partner_admin": 303,
                "distributor_admin": 403,
                "dealer_marketer": 403,
                "partner_staff": 403,
            },
            default=403,
            data={"phone": "+1 555 0100"},
            note="the admin's full form needs a name, so 422",
        ),
    ],
    "hub.staff_invite": [
        Case(
            "GET",
            lambda c: f"/organizations/{c.dealer.id}/invite",
            {"anonymous": LOGIN, "program_admin": 200, "partner_admin": 200},
            default=403,
            note="a distributor admin sees its dealers but manages only its own staff",
        ),
        Case(
            "GET",
            lambda c: f"/organizations/{c.other_dealer.id}/invite",
            {
                "anonymous": LOGIN,
                "program_admin": 200,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=404,
        ),
        Case(
            "POST",
            lambda c: f"/organizations/{c.dealer.id}/invite",
            {"anonymous": LOGIN, "program_admin": 303, "partner_admin": 303},
            default=403,
            data={
                "name": "New Person",
                "email": "new.person@dealer.example",
                "role": "partner_staff",
            },
        ),
    ],
    "hub.person_detail": [
        Case(
            "GET",
            lambda c: f"/people/{c.people['partner_staff'].id}",
            {"anonymous": LOGIN},
            default=200,
        ),
        Case(
            "GET", lambda c: f"/people/{c.people['other_marketer'].id}", OTHER_BRANCH, default=404
        ),
        Case(
            "GET",
            lambda c: f"/people/{c.people['product_manager'].id}",
            {"anonymous": LOGIN},
            default=200,
            note=SERVING_NOTE + ": every product manager",
        ),
        Case(
            "GET",
            _covering("dealer"),
            {"anonymous": LOGIN},
            default=200,
            note=SERVING_NOTE + ": the channel manager covering the dealer (or one beneath)",
        ),
        Case(
            "GET",
            _covering("distributor"),
            {"anonymous": LOGIN},
            default=200,
            note=SERVING_NOTE + ": the channel manager covering the organisation above",
        ),
        Case(
            "GET",
            _covering("other_dealer"),
            OTHER_BRANCH,
            default=404,
            note="another branch's channel manager does not serve these partners",
        ),
        Case(
            "GET",
            lambda c: f"/people/{c.people['program_admin'].id}",
            OTHER_BRANCH,
            default=404,
            note="the program admin has no public profile for partners",
        ),
    ],
    "hub.person_role": [
        Case(
            "POST",
            lambda c: f"/people/{c.people['partner_staff'].id}/role",
            {"anonymous": LOGIN, "program_admin": 303, "partner_admin": 303},
            default=403,
            data={"role": "dealer_marketer"},
        ),
        Case(
            "POST",
            lambda c: f"/people/{c.people['other_marketer'].id}/role",
            {
                "anonymous": LOGIN,
                "program_admin": 303,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=404,
            data={"role": "partner_staff"},
        ),
    ],
    "hub.person_deactivate": [
        Case(
            "POST",
            lambda c: f"/people/{c.people['partner_staff'].id}/deactivate",
            {"anonymous": LOGIN, "program_admin": 303, "partner_admin": 303, "partner_staff": 403},
            default=403,
        ),
        Case(
            "POST",
            lambda c: f"/people/{c.people['other_marketer'].id}/deactivate",
            {
                "anonymous": LOGIN,
                "program_admin": 303,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=404,
        ),
    ],
    "hub.person_reactivate": [
        Case(
            "POST",
            lambda c: f"/people/{c.people['partner_staff'].id}/reactivate",
            {"anonymous": LOGIN, "program_admin": 303, "partner_admin": 303},
            default=403,
        ),
        Case(
            "POST",
            lambda c: f"/people/{c.people['other_marketer'].id}/reactivate",
            {
                "anonymous": LOGIN,
                "program_admin": 303,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=404,
        ),
    ],
    "hub.product_lines": [Case("GET", "/product-lines", {"anonymous": LOGIN}, default=200)],
    "hub.settings": [
        Case("GET", "/settings", {"anonymous": LOGIN}, default=200),
        Case(
            "POST",
            "/settings",
            {"anonymous": LOGIN},
            default=303,
            data={"name": "Renamed", "timezone": "UTC"},
        ),
    ],
    "hub.settings_password": [
        Case(
            "POST",
            "/settings/password",
            {"anonymous": LOGIN},
            default=422,
            data={"current_password": "wrong", "password": "x", "confirm": "x"},
        ),
    ],
    "hub.settings_token_create": [
        Case("POST", "/settings/tokens", {"anonymous": LOGIN}, default=303, data={"name": "ERP"}),
    ],
    "hub.settings_token_revoke": [
        Case(
            "POST",
            lambda c: f"/settings/tokens/{c.token_of_marketer.id}/revoke",
            {"anonymous": LOGIN, "dealer_marketer": 303},
            default=404,
            note="only your own tokens",
        ),
    ],
    "hub.settings_session_end": [
        Case(
            "POST",
            lambda c: f"/settings/sessions/{c.session_of_marketer.id}/end",
            {"anonymous": LOGIN, "dealer_marketer": 303},
            default=404,
            note="only your own sessions",
        ),
    ],
    "hub.totp_setup": [Case("GET", "/settings/two-factor", {"anonymous": LOGIN}, default=200)],
    "hub.totp_disable": [
        Case(
            "POST",
            "/settings/two-factor/disable",
            {"anonymous": LOGIN},
            default=303,
            data={"code": "123456"},
        )
    ],
    "hub.program_admin": [
        Case("GET", "/admin/program", PROGRAM_ADMIN_ONLY, default=403),
        Case(
            "POST",
            "/admin/program",
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
            data={"mfa_required_roles": ["program_admin"]},
        ),
    ],
    "hub.tier_create": [
        Case(
            "POST",
            "/admin/tiers",
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
            data={"name": "Platinum"},
        )
    ],
    "hub.tier_update": [
        Case(
            "POST",
            lambda c: f"/admin/tiers/{c.dealer.tier_id}",
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
            data={"name": "Premier+", "description": "", "action": "save"},
        )
    ],
    "hub.tier_requirement_set": [
        Case(
            "POST",
            lambda c: f"/admin/tiers/{c.dealer.tier_id}/requirements",
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
            data=lambda c: {"measure_key": _any_measure(), "minimum": "1"},
        )
    ],
    "hub.tier_requirement_remove": [
        Case(
            "POST",
            lambda c: f"/admin/tier-requirements/{_requirement(c).id}/delete",
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
        )
    ],
    "hub.outbox": [Case("GET", "/admin/outbox", PROGRAM_ADMIN_ONLY, default=403)],
    "hub.audit_log": [
        Case(
            "GET",
            "/audit",
            {
                "anonymous": LOGIN,
                "program_admin": 200,
                "partner_admin": 200,
                "distributor_admin": 200,
            },
            default=403,
        )
    ],
    # Sign-in pages are public; signed-in people are sent on from the login page.
    "auth.login": [Case("GET", "/login", {"anonymous": 200}, default=303)],
    "auth.login_code": [
        Case("GET", "/login/code", {}, default=303, note="without a pending sign-in: back to login")
    ],
    "auth.logout": [Case("POST", "/logout", {}, default=303)],
    "auth.forgot_password": [Case("GET", "/password/forgot", {}, default=200)],
    "auth.reset_password": [Case("GET", "/password/reset/not-a-token", {}, default=410)],
    "auth.accept_invitation": [Case("GET", "/invitation/not-a-token", {}, default=410)],
    "static": [Case("GET", "/static/css/hub.css", {}, default=200)],
}

# --- API (bearer tokens; the session cookie is not accepted) ------------------------------

NO_TOKEN = 401
API_OTHER_BRANCH = {
    "anonymous": NO_TOKEN,
    "program_admin": 200,
    "channel_manager": 200,
    "product_manager": 200,
}

ACCESS_CASES.update(
    {
        "api.openapi_document": [Case("GET", "/api/v1/openapi.json", {}, default=200, json=True)],
        "api.me": [Case("GET", "/api/v1/me", {"anonymous": NO_TOKEN}, default=200, json=True)],
        "api.list_organizations": [
            Case("GET", "/api/v1/organizations", {"anonymous": NO_TOKEN}, default=200, json=True)
        ],
        "api.get_organization": [
            Case(
                "GET",
                lambda c: f"/api/v1/organizations/{c.dealer.id}",
                {"anonymous": NO_TOKEN},
                default=200,
                json=True,
            ),
            Case(
                "GET",
                lambda c: f"/api/v1/organizations/{c.other_dealer.id}",
                API_OTHER_BRANCH,
                default=404,
                json=True,
            ),
        ],
        "api.create_organization": [
            Case(
                "POST",
                "/api/v1/organizations",
                {"anonymous": NO_TOKEN, "program_admin": 201},
                default=403,
                json=True,
                data=lambda c: {
                    "name": "API Dealer",
                    "kind": "dealer",
                    "parent_id": c.distributor.id,
                },
            ),
        ],
        "api.update_organization": [
            Case(
                "PATCH",
                lambda c: f"/api/v1/organizations/{c.dealer.id}",
                {"anonymous": NO_TOKEN, "program_admin": 200},
                default=403,
                json=True,
                data={"region": "Iowa"},
                note="in scope but not theirs to restructure: 403",
            ),
            Case(
                "PATCH",
                lambda c: f"/api/v1/organizations/{c.other_dealer.id}",
                {
                    "anonymous": NO_TOKEN,
                    "program_admin": 200,
                    "channel_manager": 403,
                    "product_manager": 403,
                },
                default=404,
                json=True,
                data={"region": "Iowa"},
            ),
        ],
        "api.list_people": [
            Case("GET", "/api/v1/people", {"anonymous": NO_TOKEN}, default=200, json=True)
        ],
        "api.get_person": [
            Case(
                "GET",
                lambda c: f"/api/v1/people/{c.people['partner_staff'].id}",
                {"anonymous": NO_TOKEN},
                default=200,
                json=True,
            ),
            Case(
                "GET",
                lambda c: f"/api/v1/people/{c.people['other_marketer'].id}",
                API_OTHER_BRANCH,
                default=404,
                json=True,
            ),
            Case(
                "GET",
                lambda c: f"/api/v1/people/{c.people['product_manager'].id}",
                {"anonymous": NO_TOKEN},
                default=200,
                json=True,
                note=SERVING_NOTE,
            ),
            Case(
                "GET",
                _covering("dealer", "/api/v1/people"),
                {"anonymous": NO_TOKEN},
                default=200,
                json=True,
                note=SERVING_NOTE,
            ),
            Case(
                "GET",
                _covering("other_dealer", "/api/v1/people"),
                API_OTHER_BRANCH,
                default=404,
                json=True,
            ),
            Case(
                "GET",
                lambda c: f"/api/v1/people/{c.people['program_admin'].id}",
                API_OTHER_BRANCH,
                default=404,
                json=True,
            ),
        ],
        "api.list_product_lines": [
            Case("GET", "/api/v1/product-lines", {"anonymous": NO_TOKEN}, default=200, json=True)
        ],
        "api.get_product_line": [
            Case(
                "GET",
                lambda c: f"/api/v1/product-lines/{c.product_line.id}",
                {"anonymous": NO_TOKEN},
                default=200,
                json=True,
            ),
        ],
    }
)

ACCESS_CASES.update(
    {
        "hub.organization_logo": [
            Case(
                "GET",
                lambda c: f"/organizations/{c.dealer.id}/logo",
                {"anonymous": LOGIN},
                default=404,
                note="no logo uploaded: 404 for everyone who may see the organisation",
            ),
        ],
        "hub.organization_logo_upload": [
            Case(
                "POST",
                lambda c: f"/organizations/{c.other_dealer.id}/logo",
                {
                    "anonymous": LOGIN,
                    "program_admin": 303,
                    "channel_manager": 403,
                    "product_manager": 403,
                },
                default=404,
                note="no file: the admin is sent back with a message",
            ),
            Case(
                "POST",
                lambda c: f"/organizations/{c.dealer.id}/logo",
                {"anonymous": LOGIN, "program_admin": 303, "partner_admin": 303},
                default=403,
            ),
        ],
    }
)
