"""The JSON API at /api/v1: bearer tokens, scope by the channel tree, problem JSON,
cursor pagination, and the directory writes of the program admin."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from hub.accounts import service as accounts
from hub.directory import service as directory
from hub.errors import ValidationFailed
from hub.models import ApiToken, AuditEvent, Organization, ProductLine

PROBLEM_TYPE = "application/problem+json"


class ApiClient:
    """Calls the API as an outside client does: with a real bearer token, on data the test
    has committed, each call in its own app context (a fresh `g` and database session)."""

    _names = itertools.count(1)

    def __init__(self, app, client, session):
        self.app, self.client, self.session = app, client, session
        self._tokens: dict[int, str] = {}

    def token(self, person) -> str:
        if person.id not in self._tokens:
            issued = accounts.create_api_token(person, f"test {next(self._names)}")
            self._tokens[person.id] = issued.secret
        return self._tokens[person.id]

    def call(self, method, path, person=None, *, token=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if person is not None:
            token = self.token(person)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self.session.commit()  # what the test set up is committed, as in production
        with self.app.app_context():
            response = self.client.open(path, method=method, headers=headers, **kwargs)
        self.session.expire_all()  # see what the request wrote
        return response

    def get(self, path, person=None, **kwargs):
        return self.call("GET", path, person, **kwargs)

    def post(self, path, person=None, **kwargs):
        return self.call("POST", path, person, **kwargs)

    def patch(self, path, person=None, **kwargs):
        return self.call("PATCH", path, person, **kwargs)

    def walk(self, path, person, limit):
        """Every item of a list, page by page; returns (items, number of pages)."""
        items, pages, cursor = [], 0, None
        separator = "&" if "?" in path else "?"
        while True:
            url = f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            response = self.get(url, person)
            assert response.status_code == 200, response.json
            pages += 1
            items += response.json["data"]
            cursor = response.json["next_cursor"]
            if cursor is None:
                return items, pages
            assert pages < 100, "pagination does not end"


@pytest.fixture
def api(app, client, session, channel):
    return ApiClient(app, client, session)


@pytest.fixture
def people(channel):
    return channel.people


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_TYPE
    body = response.json
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert {"type", "instance", "request_id"} <= set(body)
    return body


def ids(items) -> set[int]:
    return {item["id"] for item in items}


def audit_events(session, action: str, object_id) -> list[AuditEvent]:
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)
        )
    )


# --- Authentication -----------------------------------------------------------------


def test_request_without_token_is_refused_with_a_bearer_challenge(api):
    response = api.get("/api/v1/me")
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in body["detail"]


# A token is checked the same way on every route: the person's own (/me) and a list scoped
# by who is asking (the organisation list).
BOTH_CHECKS = pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/organizations"])


@BOTH_CHECKS
def test_unknown_token_is_refused(api, path):
    response = api.get(path, token="phub_not-a-real-token")
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@BOTH_CHECKS
def test_revoked_token_is_refused(api, people, path):
    person = people["dealer_marketer"]
    issued = accounts.create_api_token(person, "revoke me")
    assert api.get(path, token=issued.secret).status_code == 200
    accounts.revoke_api_token(person, issued.token)
    response = api.get(path, token=issued.secret)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@BOTH_CHECKS
def test_token_of_a_deactivated_person_is_refused(api, people, path):
    person = people["partner_staff"]
    secret = api.token(person)
    person.active = False
    assert_problem(api.get(path, token=secret), 401)


@BOTH_CHECKS
def test_session_cookie_alone_is_not_accepted(api, login_as, path):
    login_as("program_admin")
    assert_problem(api.get(path), 401)
    # A write with only the cookie is refused for want of a token, not for want of CSRF.
    assert_problem(api.post("/api/v1/organizations", json={"name": "Sneaky"}), 401)


def test_token_speaks_for_its_person_whatever_cookie_comes_along(api, login_as, people, channel):
    login_as("program_admin")
    response = api.get("/api/v1/me", people["dealer_marketer"])
    assert response.json["id"] == people["dealer_marketer"].id
    listed = api.get("/api/v1/organizations", people["dealer_marketer"]).json["data"]
    assert ids(listed) == {channel.dealer.id}


def test_me_returns_the_caller_without_secrets(api, people):
    person = people["partner_admin"]
    response = api.get("/api/v1/me", person)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json == {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "title": person.title,
        "role": "partner_admin",
        "organization_id": person.organization_id,
        "active": True,
    }


@BOTH_CHECKS
def test_using_a_token_records_when_it_was_last_used(api, session, people, path):
    person = people["channel_manager"]
    secret = api.token(person)
    token = session.scalar(sa.select(ApiToken).where(ApiToken.person_id == person.id))
    assert token.last_used_at is None
    api.get(path, token=secret)
    assert token.last_used_at is not None


def test_a_failed_request_leaves_no_writes_behind(api, session, people):
    person = people["channel_manager"]
    secret = api.token(person)
    token = session.scalar(sa.select(ApiToken).where(ApiToken.person_id == person.id))
    assert_problem(api.get("/api/v1/organizations/999999", token=secret), 404)
    assert token.last_used_at is None  # stamped during the request, rolled back with it
    assert api.get("/api/v1/me", token=secret).status_code == 200
    assert token.last_used_at is not None


# --- Scope: who sees which organisations and people -------------------------------


def test_dealer_sees_only_itself(api, channel, people):
    marketer = people["dealer_marketer"]
    response = api.get("/api/v1/organizations", marketer)
    assert ids(response.json["data"]) == {channel.dealer.id}
    assert (
        api.get(f"/api/v1/organizations/{channel.dealer.id}", marketer).json["name"]
        == "Test Dealer"
    )


@pytest.mark.parametrize("other", ["sibling_dealer", "other_dealer", "distributor", "oem"])
def test_dealer_gets_404_for_any_other_organization(api, channel, people, other):
    response = api.get(
        f"/api/v1/organizations/{getattr(channel, other).id}", people["dealer_marketer"]
    )
    assert_problem(response, 404)


def test_distributor_admin_sees_its_dealers_but_not_another_distributors(api, channel, people):
    admin = people["distributor_admin"]
    seen = ids(api.get("/api/v1/organizations", admin).json["data"])
    assert seen == {channel.distributor.id, channel.dealer.id, channel.sibling_dealer.id}
    assert api.get(f"/api/v1/organizations/{channel.sibling_dealer.id}", admin).status_code == 200
    for hidden in (channel.other_distributor, channel.other_dealer, channel.oem):
        assert_problem(api.get(f"/api/v1/organizations/{hidden.id}", admin), 404)


@pytest.mark.parametrize("role", ["program_admin", "channel_manager", "product_manager"])
def test_oem_staff_see_every_organization(api, channel, people, role):
    seen = ids(api.get("/api/v1/organizations?limit=200", people[role]).json["data"])
    everyone = {
        channel.oem.id,
        channel.distributor.id,
        channel.dealer.id,
        channel.sibling_dealer.id,
        channel.other_distributor.id,
        channel.other_dealer.id,
    }
    assert everyone <= seen
    assert (
        api.get(f"/api/v1/organizations/{channel.other_dealer.id}", people[role]).status_code == 200
    )


def test_organization_filters_narrow_the_list(api, channel, people):
    admin = people["program_admin"]
    dealers = ids(api.get("/api/v1/organizations?kind=dealer", admin).json["data"])
    assert {channel.dealer.id, channel.sibling_dealer.id, channel.other_dealer.id} <= dealers
    assert channel.distributor.id not in dealers
    found = api.get("/api/v1/organizations?q=sibling", admin).json["data"]
    assert ids(found) == {channel.sibling_dealer.id}
    assert ids(api.get("/api/v1/organizations?q=SIBLING", admin).json["data"]) == ids(found)
    beneath = ids(
        api.get(f"/api/v1/organizations?parent_id={channel.distributor.id}", admin).json["data"]
    )
    assert beneath == {channel.dealer.id, channel.sibling_dealer.id}
    premier = ids(api.get("/api/v1/organizations?tier=Premier", admin).json["data"])
    assert channel.dealer.id in premier and channel.oem.id not in premier
    assert api.get("/api/v1/organizations?tier=Nonexistent", admin).json["data"] == []


def test_the_name_filter_takes_wildcards_literally(api, channel, make_org, people):
    percent = make_org("dealer", parent=channel.distributor, name="Half 50% Off Dealer")
    underscore = make_org("dealer", parent=channel.distributor, name="A_B Dealer")
    make_org("dealer", parent=channel.distributor, name="AxB Dealer")
    admin = people["program_admin"]
    assert ids(api.get("/api/v1/organizations?q=50%25", admin).json["data"]) == {percent.id}
    assert ids(api.get("/api/v1/organizations?q=a_b", admin).json["data"]) == {underscore.id}
    distributor = people["distributor_admin"]  # a partner's list: the same, within its scope
    assert ids(api.get("/api/v1/organizations?q=_b", distributor).json["data"]) == {underscore.id}


def test_filters_never_widen_the_scope(api, channel, people):
    marketer = people["dealer_marketer"]
    response = api.get(f"/api/v1/organizations?parent_id={channel.distributor.id}", marketer)
    assert ids(response.json["data"]) == {channel.dealer.id}
    response = api.get(f"/api/v1/people?organization_id={channel.other_dealer.id}", marketer)
    assert response.json["data"] == []


def test_organization_json_has_the_documented_fields(api, channel, people):
    body = api.get(f"/api/v1/organizations/{channel.dealer.id}", people["program_admin"]).json
    assert set(body) == {
        "id", "name", "kind", "parent_id", "tier", "tracks", "region", "erp_account_number", "domain",
        "contact_email", "phone", "website", "address", "active", "created_at",
    }  # fmt: skip
    assert body["kind"] == "dealer"
    assert body["parent_id"] == channel.distributor.id
    assert body["tier"] == "Premier"
    assert body["tracks"] == ["dealer_var"]
    assert body["created_at"].endswith("Z") and "T" in body["created_at"]


def test_dealer_sees_its_own_people_and_the_oem_staff_who_serve_it(api, channel, people):
    marketer = people["dealer_marketer"]
    seen = ids(api.get("/api/v1/people", marketer).json["data"])
    # Every product manager serves every partner; this channel manager covers nobody here.
    assert seen == {
        people[r].id
        for r in ("partner_admin", "dealer_marketer", "partner_staff", "product_manager")
    }
    assert_problem(api.get(f"/api/v1/people/{people['other_marketer'].id}", marketer), 404)
    assert_problem(api.get(f"/api/v1/people/{people['distributor_admin'].id}", marketer), 404)


def test_distributor_admin_sees_people_of_its_dealers_but_not_of_others(api, people):
    admin = people["distributor_admin"]
    seen = ids(api.get("/api/v1/people", admin).json["data"])
    assert people["dealer_marketer"].id in seen and people["distributor_admin"].id in seen
    assert people["other_marketer"].id not in seen and people["program_admin"].id not in seen
    assert api.get(f"/api/v1/people/{people['partner_staff'].id}", admin).status_code == 200
    assert_problem(api.get(f"/api/v1/people/{people['other_marketer'].id}", admin), 404)


def test_people_filters_and_no_secrets(api, channel, people):
    admin = people["program_admin"]
    response = api.get(
        f"/api/v1/people?organization_id={channel.dealer.id}&role=partner_staff", admin
    )
    assert ids(response.json["data"]) == {people["partner_staff"].id}
    name = people["other_marketer"].name
    assert ids(api.get(f"/api/v1/people?q={name.upper()}", admin).json["data"]) == {
        people["other_marketer"].id
    }
    for person in api.get("/api/v1/people?limit=200", admin).json["data"]:
        assert set(person) == {"id", "name", "email", "title", "role", "organization_id", "active"}


def test_every_signed_in_person_sees_product_lines_with_their_managers(api, session, people):
    manager = people["product_manager"]
    line = ProductLine(name="Compact tractors", slug="compact-tractors", description="Under 60 hp.")
    line.managers.append(manager)
    session.add(line)
    session.flush()
    for role in ("dealer_marketer", "other_marketer", "channel_manager"):
        listed = api.get("/api/v1/product-lines", people[role]).json["data"]
        assert line.id in ids(listed)
    body = api.get(f"/api/v1/product-lines/{line.id}", people["dealer_marketer"]).json
    assert body == {
        "id": line.id,
        "name": "Compact tractors",
        "slug": "compact-tractors",
        "description": "Under 60 hp.",
        "managers": [{"id": manager.id, "name": manager.name, "email": manager.email}],
    }
    assert_problem(api.get("/api/v1/product-lines/999999", people["dealer_marketer"]), 404)


# --- Pagination ------------------------------------------------------------------------


def test_pagination_walks_every_page_without_duplicates(api, channel, make_org, people):
    for n in range(7):
        make_org("dealer", parent=channel.other_distributor, name=f"Paged Dealer {n}")
    admin = people["program_admin"]
    everything = api.get("/api/v1/organizations?limit=200", admin).json
    assert everything["next_cursor"] is None
    items, pages = api.walk("/api/v1/organizations", admin, limit=2)
    walked = [item["id"] for item in items]
    assert len(walked) == len(set(walked))
    assert walked == sorted(walked)
    assert walked == [item["id"] for item in everything["data"]]
    assert pages == -(-len(walked) // 2)  # the last page is never empty


def test_pagination_keeps_filters_across_pages(api, channel, make_org, people):
    for n in range(4):
        make_org("dealer", parent=channel.distributor, name=f"Filtered Dealer {n}")
    items, _ = api.walk(
        "/api/v1/organizations?q=filtered+dealer", people["distributor_admin"], limit=3
    )
    assert sorted(item["name"] for item in items) == [f"Filtered Dealer {n}" for n in range(4)]


def test_default_page_is_fifty(api, channel, make_org, people):
    for n in range(52):
        make_org("dealer", parent=channel.distributor, name=f"Bulk Dealer {n}")
    body = api.get("/api/v1/organizations", people["program_admin"]).json
    assert len(body["data"]) == 50
    assert body["next_cursor"]


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=ten", "limit=-1", "cursor=!!!", "cursor=Zm9v", "cursor=aWQ6eA"],
)
def test_invalid_limit_or_cursor_is_a_400_problem_with_a_sentence(api, people, query):
    body = assert_problem(api.get(f"/api/v1/organizations?{query}", people["channel_manager"]), 400)
    assert body["detail"].endswith(".")
    assert ("limit" in body["detail"]) == query.startswith("limit")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organizations?kind=emperor",
        "/api/v1/people?role=king",
        "/api/v1/people?organization_id=x",
    ],
)
def test_invalid_filter_is_a_400_problem(api, people, path):
    assert_problem(api.get(path, people["channel_manager"]), 400)


# --- Errors ---------------------------------------------------------------------------------


def test_unknown_api_route_answers_problem_json(api, people):
    assert_problem(api.get("/api/v1/no-such-thing", people["channel_manager"]), 404)


def test_unknown_id_answers_problem_json_404(api, people):
    body = assert_problem(api.get("/api/v1/people/999999", people["channel_manager"]), 404)
    assert body["instance"] == "/api/v1/people/999999"


def test_method_not_allowed_answers_problem_json_405(api, channel, people):
    response = api.call(
        "DELETE", f"/api/v1/organizations/{channel.dealer.id}", people["program_admin"]
    )
    assert_problem(response, 405)
    assert "PATCH" in response.headers["Allow"]


def test_malformed_json_is_a_400_problem(api, people):
    response = api.post(
        "/api/v1/organizations",
        people["program_admin"],
        data='{"name": "Broken",',
        content_type="application/json",
    )
    body = assert_problem(response, 400)
    assert "not valid JSON" in body["detail"]


def test_json_that_is_not_an_object_is_a_400_problem(api, people):
    assert_problem(api.post("/api/v1/organizations", people["program_admin"], json=["a"]), 400)


def test_body_that_is_not_json_is_a_415_problem(api, people):
    response = api.post(
        "/api/v1/organizations", people["program_admin"], data={"name": "Form post"}
    )
    body = assert_problem(response, 415)
    assert "application/json" in body["detail"]


# --- Writes: the program admin ------------------------------------------------------------


def test_program_admin_creates_a_dealer_with_its_path_and_an_audit_event(
    api, session, channel, people
):
    admin = people["program_admin"]
    response = api.post(
        "/api/v1/organizations",
        admin,
        json={
            "name": "  New Ridge Implement ",
            "kind": "dealer",
            "parent_id": channel.distributor.id,
            "tier": "Premier",
            "tracks": ["service_partner", "dealer_var"],
            "region": "Iowa",
            "website": "newridge.example",
            "contact_email": "Sales@NewRidge.example",
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/organizations/{body['id']}")
    assert body["name"] == "New Ridge Implement"
    assert body["tracks"] == ["dealer_var", "service_partner"]
    assert body["website"] == "https://newridge.example"
    assert body["contact_email"] == "sales@newridge.example"
    org = session.get(Organization, body["id"])
    assert org.path == f"{channel.distributor.path}{org.id}/"
    [event] = audit_events(session, "organization.created", org.id)
    assert event.actor_id == admin.id
    assert event.after["parent_id"] == channel.distributor.id
    # The distributor above it sees it at once; the other distributor does not.
    assert (
        api.get(f"/api/v1/organizations/{org.id}", people["distributor_admin"]).status_code == 200
    )
    assert_problem(api.get(f"/api/v1/organizations/{org.id}", people["other_marketer"]), 404)


def test_bad_create_is_a_422_with_an_error_per_field_and_writes_nothing(api, session, people):
    before = session.scalar(sa.select(sa.func.count()).select_from(Organization))
    response = api.post(
        "/api/v1/organizations",
        people["program_admin"],
        json={
            "name": "",
            "kind": "castle",
            "parent_id": 999999,
            "tier": "Platinum",
            "tracks": ["dragons"],
            "contact_email": "not-an-address",
            "colour": "red",
        },
    )
    body = assert_problem(response, 422)
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"name", "kind", "parent_id", "tier", "tracks", "contact_email", "colour"}
    assert all(error["detail"].endswith(".") for error in body["errors"])
    assert session.scalar(sa.select(sa.func.count()).select_from(Organization)) == before
    assert not session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "organization.created")
    ).all()


@pytest.mark.parametrize(
    ("kind", "parent", "field"),
    [
        ("oem", "oem", "kind"),
        ("distributor", "distributor", "parent_id"),
        ("dealer", "dealer", "parent_id"),
        ("master_distributor", "distributor", "parent_id"),
    ],
)
def test_create_refuses_an_illegal_place_in_the_channel(api, channel, people, kind, parent, field):
    response = api.post(
        "/api/v1/organizations",
        people["program_admin"],
        json={"name": "Misplaced", "kind": kind, "parent_id": getattr(channel, parent).id},
    )
    body = assert_problem(response, 422)
    assert [error["field"] for error in body["errors"]] == [field]


def test_create_of_a_duplicate_name_under_the_same_parent_is_a_409(api, channel, people):
    response = api.post(
        "/api/v1/organizations",
        people["program_admin"],
        json={"name": "test dealer", "kind": "dealer", "parent_id": channel.distributor.id},
    )
    body = assert_problem(response, 409)
    assert body["errors"][0]["field"] == "name"


def test_moving_a_distributor_moves_its_whole_subtree(
    api, session, channel, make_org, make_person, people
):
    master = make_org("master_distributor", parent=channel.oem, name="Northern Master")
    admin = people["program_admin"]
    old_path = channel.distributor.path
    response = api.patch(
        f"/api/v1/organizations/{channel.distributor.id}", admin, json={"parent_id": master.id}
    )
    assert response.status_code == 200, response.json
    assert response.json["parent_id"] == master.id
    distributor = session.get(Organization, channel.distributor.id)
    assert distributor.path == f"{master.path}{distributor.id}/"
    for dealer in (channel.dealer, channel.sibling_dealer):
        assert session.get(Organization, dealer.id).path == f"{distributor.path}{dealer.id}/"
    assert session.get(Organization, channel.other_dealer.id).path.startswith(
        channel.other_distributor.path
    )
    [event] = audit_events(session, "organization.updated", distributor.id)
    assert event.actor_id == admin.id
    assert event.before == {"parent_id": channel.oem.id, "path": old_path}
    assert event.after == {"parent_id": master.id, "path": distributor.path}
    # Scope follows the tree at once: someone at the master distributor now sees the dealers.
    master_staff = make_person("partner_staff", master)
    seen = ids(api.get("/api/v1/organizations", master_staff).json["data"])
    assert seen == {master.id, channel.distributor.id, channel.dealer.id, channel.sibling_dealer.id}


def test_program_admin_patches_only_the_fields_sent(api, session, channel, people):
    response = api.patch(
        f"/api/v1/organizations/{channel.dealer.id}",
        people["program_admin"],
        json={"tier": None, "tracks": ["system_integrator"], "active": False},
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["tier"], body["tracks"], body["active"]) == (None, ["system_integrator"], False)
    assert body["name"] == "Test Dealer" and body["parent_id"] == channel.distributor.id
    [event] = audit_events(session, "organization.updated", channel.dealer.id)
    assert set(event.after) == {"tier", "tracks", "active"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parent_id": "dealer"}, "parent_id"),  # beneath its own dealer
        ({"parent_id": "other_dealer"}, "parent_id"),  # a distributor under a dealer
        ({"kind": "dealer"}, "kind"),  # its dealers can't sit under a dealer
        ({"kind": "oem"}, "kind"),
        ({"name": "  "}, "name"),
    ],
)
def test_patch_refuses_changes_that_break_the_tree(api, session, channel, people, change, field):
    change = {k: getattr(channel, v).id if k == "parent_id" else v for k, v in change.items()}
    before = channel.distributor.path
    response = api.patch(
        f"/api/v1/organizations/{channel.distributor.id}", people["program_admin"], json=change
    )
    body = assert_problem(response, 422)
    assert field in {error["field"] for error in body["errors"]}
    assert session.get(Organization, channel.distributor.id).path == before


# --- Writes: everyone else --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["distributor_admin", "channel_manager", "dealer_marketer"])
def test_only_the_program_admin_creates_organizations(api, channel, people, role):
    response = api.post(
        "/api/v1/organizations",
        people[role],
        json={"name": "Unauthorised Dealer", "kind": "dealer", "parent_id": channel.distributor.id},
    )
    body = assert_problem(response, 403)
    assert body["detail"].startswith("Only the program admin")


def test_patch_of_an_organization_out_of_scope_is_404(api, channel, people):
    response = api.patch(
        f"/api/v1/organizations/{channel.other_dealer.id}",
        people["distributor_admin"],
        json={"phone": "1"},
    )
    assert_problem(response, 404)


@pytest.mark.parametrize(
    ("role", "org"),
    [
        ("distributor_admin", "dealer"),  # in scope, but not its own
        ("dealer_marketer", "dealer"),  # its own, but not an admin
        ("channel_manager", "dealer"),  # OEM staff see everything, change nothing
    ],
)
def test_patch_of_an_organization_one_may_not_change_is_403(
    api, session, channel, people, role, org
):
    target = getattr(channel, org)
    response = api.patch(
        f"/api/v1/organizations/{target.id}", people[role], json={"phone": "555-0100"}
    )
    body = assert_problem(response, 403)
    assert body["detail"].startswith("Only the program admin")
    assert session.get(Organization, target.id).phone == ""


def test_partner_admin_changes_own_contact_details_but_nothing_else(api, session, channel, people):
    admin = people["partner_admin"]
    response = api.patch(
        f"/api/v1/organizations/{channel.dealer.id}", admin, json={"phone": "+1 402 555 0100"}
    )
    assert response.status_code == 200, response.json
    assert response.json["phone"] == "+1 402 555 0100"
    [event] = audit_events(session, "organization.contact_updated", channel.dealer.id)
    assert event.actor_id == admin.id and event.after == {"phone": "+1 402 555 0100"}
    response = api.patch(
        f"/api/v1/organizations/{channel.dealer.id}", admin, json={"name": "Renamed"}
    )
    body = assert_problem(response, 403)
    assert body["detail"].startswith("Only the program admin can change name")
    assert session.get(Organization, channel.dealer.id).name == "Test Dealer"


# --- The directory rules the pages share ---------------------------------------------------


def test_move_organization_keeps_loaded_objects_of_the_subtree_in_step(
    session, channel, make_org, people
):
    master = make_org("master_distributor", parent=channel.oem, name="Loaded Master")
    dealer = channel.dealer  # already loaded in this session
    directory.move_organization(channel.distributor, master, actor=people["program_admin"])
    assert channel.distributor.path == f"{master.path}{channel.distributor.id}/"
    assert dealer.path == f"{channel.distributor.path}{dealer.id}/"
    [event] = audit_events(session, "organization.moved", channel.distributor.id)
    assert event.after["parent_id"] == master.id


def test_move_organization_refuses_an_illegal_parent_and_a_non_admin(channel, people):
    with pytest.raises(ValidationFailed) as refused:
        directory.move_organization(channel.distributor, channel.other_dealer)
    assert list(refused.value.problems) == ["parent_id"]
    with pytest.raises(PermissionError):
        directory.move_organization(
            channel.dealer, channel.other_distributor, actor=people["distributor_admin"]
        )
    assert channel.dealer.parent_id == channel.distributor.id


def test_the_erp_account_number_is_set_shown_and_unique(api, channel, people):
    admin = people["program_admin"]
    url = f"/api/v1/organizations/{channel.dealer.id}"
    response = api.patch(url, admin, json={"erp_account_number": " C-10442 "})
    assert response.status_code == 200, response.json
    assert api.get(url, admin).json["erp_account_number"] == "C-10442"
    taken = api.patch(
        f"/api/v1/organizations/{channel.sibling_dealer.id}",
        admin,
        json={"erp_account_number": "C-10442"},
    )
    assert taken.status_code == 409
    assert "Test Dealer already has the ERP account number “C-10442”" in str(taken.json)
    cleared = api.patch(url, admin, json={"erp_account_number": ""})
    assert cleared.json["erp_account_number"] is None
    both_none = api.patch(
        f"/api/v1/organizations/{channel.sibling_dealer.id}",
        admin,
        json={"erp_account_number": None},
    )
    assert both_none.status_code == 200
