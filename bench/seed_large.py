"""Seed a large program fast: one OEM, master distributors, distributors, ~2,000 dealers
and ~20,000 people, written with bulk inserts (lists of dicts) and one shared password hash.

Ids are assigned here, so the materialised paths ("/1/4/9/") are known before anything is
written; on PostgreSQL the id sequences are moved past them afterwards.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.common import create_postgres_database_if_missing
from hub import create_app, db
from hub.accounts.service import API_TOKEN_PREFIX
from hub.db import utcnow
from hub.models import (
    ApiToken,
    AuditEvent,
    LoginSession,
    Notification,
    Organization,
    OrganizationTrack,
    OrgKind,
    Person,
    ProductLine,
    ProductLineManager,
    ProgramSettings,
    Role,
    TerritoryAssignment,
    Tier,
    Track,
)
from hub.security import hash_password, new_token, token_hash

BENCH_PASSWORD = "bench-password-not-secret"

REGIONS = [
    "Nebraska", "Kansas", "Iowa", "Missouri", "Texas", "Oklahoma", "Dakotas", "Minnesota",
    "Wisconsin", "Illinois", "Indiana", "Ohio", "Michigan", "Ontario", "Manitoba",
    "Saskatchewan", "Alberta", "Louisiana", "Mississippi", "Alabama", "Georgia", "Carolinas",
]  # fmt: skip
PLACES = [
    "Prairie", "Hillside", "Harbor", "Sandhills", "Red River", "Flint Hills", "Platte Valley",
    "Bayou", "Gulf Breeze", "Pine Creek", "Tidewater", "North Shore", "Maple Grove", "Superior",
    "Cedar Ridge", "Bluestem", "Big Sky", "Golden Plains", "Stony Brook", "Riverbend",
    "Oak Hollow", "Willow Creek", "High Plains", "Lakeside", "Timberline", "Clearwater",
]  # fmt: skip
SUFFIXES = [
    "Implement", "Tractor", "Equipment", "Farm Supply", "Ag & Turf", "Machinery",
    "Ag Systems", "Power Equipment",
]  # fmt: skip
FIRST = [
    "Ada", "Ben", "Cara", "Dev", "Elena", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kira",
    "Liam", "Mara", "Nils", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Viktor",
]  # fmt: skip
LAST = [
    "Novak", "Jensen", "Alvarez", "Okafor", "Lindqvist", "Tremblay", "Kowalski", "Fontenot",
    "Brandt", "Raman", "Herrera", "Liu", "Quinn", "Guidry", "Solberg", "Batiste",
]  # fmt: skip


@dataclass
class Persona:
    """A seeded person the load generator signs in as."""

    key: str
    label: str
    person_id: int
    email: str
    organization_id: int
    cookie: str = ""  # the value of the "session" cookie
    api_token: str = ""  # a bearer token for the JSON API


@dataclass
class SeedResult:
    counts: dict[str, int]
    seconds: float
    personas: dict[str, Persona] = field(default_factory=dict)


@dataclass
class Shape:
    """How big the program is; scale < 1 gives a quick trial run."""

    masters: int = 4
    distributors: int = 20  # of which `distributors_under_masters` sit under a master
    distributors_under_masters: int = 8
    dealers: int = 2_000
    people: int = 20_000
    oem_people: int = 60
    master_people: int = 10
    distributor_people: int = 15
    notifications_per_person: int = 2

    @classmethod
    def scaled(cls, scale: float) -> Shape:
        shape = cls()
        if scale != 1:
            shape.dealers = max(10, int(shape.dealers * scale))
            shape.people = max(400, int(shape.people * scale))
        return shape


def bench_app(database_url: str, secret_key: str, instance: Path):
    """The hub app the seed and the cookie signing use (same settings as the served one)."""
    return create_app(
        {
            "ENV_NAME": "production",
            "ALLOW_SQLITE": True,
            "PUBLIC_URL": "http://127.0.0.1",  # production needs it
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret_key,
            "INSTANCE_PATH": str(instance),
        }
    )


def reset_database(database_url: str) -> None:
    """Make the database empty: delete the SQLite file, or drop and recreate schema public."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    create_postgres_database_if_missing(url)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


def seed(app, shape: Shape | None = None, *, rng_seed: int = 2026) -> SeedResult:
    """Write the large program into the app's (migrated, empty) database."""
    shape = shape or Shape()
    rng = random.Random(rng_seed)
    started = time.perf_counter()
    now = utcnow()
    with app.app_context():
        session = db.session()
        program = _Program(shape, rng, now)
        program.build()
        for model, rows in program.tables():
            for chunk in _chunks(rows, 5_000):
                session.execute(sa.insert(model), chunk)
        if session.get_bind().dialect.name == "postgresql":
            for model in (Tier, Organization, Person, ProductLine, ProgramSettings):
                table = model.__tablename__
                session.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        personas = program.personas()
        sign_in(app, session, personas)
        session.commit()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("ANALYZE"))
            session.commit()
        counts = {
            "organizations": len(program.orgs),
            "people": len(program.people),
            "notifications": len(program.notifications),
            "audit_events": len(program.audit),
            "territory_assignments": len(program.territory),
        }
    return SeedResult(counts, time.perf_counter() - started, personas)


def _chunks(rows: list[dict], size: int):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def sign_in(app, session, personas: dict[str, Persona]) -> None:
    """A LoginSession per persona and the signed Flask session cookie that carries it."""
    serializer = app.session_interface.get_signing_serializer(app)
    for persona in personas.values():
        token = new_token()
        session.add(LoginSession(token_hash=token_hash(token), person_id=persona.person_id))
        # With the CSRF secret a browser's cookie carries after its first page, so a
        # request does not write a new session cookie each time (a browser's would not).
        persona.cookie = serializer.dumps(
            {"_user_id": token, "_fresh": True, "csrf_token": new_token()}
        )
        secret = new_token(API_TOKEN_PREFIX)
        session.add(
            ApiToken(
                person_id=persona.person_id,
                name="bench",
                token_hash=token_hash(secret),
                prefix=secret[:12],
            )
        )
        persona.api_token = secret
    session.flush()


class _Program:
    """The rows of the program as lists of dicts, ids assigned in order."""

    def __init__(self, shape: Shape, rng: random.Random, now):
        self.shape, self.rng, self.now = shape, rng, now
        self.password_hash = hash_password(BENCH_PASSWORD)  # one hash for everybody
        self.tiers: list[dict] = []
        self.orgs: list[dict] = []
        self.tracks: list[dict] = []
        self.people: list[dict] = []
        self.product_lines: list[dict] = []
        self.line_managers: list[dict] = []
        self.territory: list[dict] = []
        self.notifications: list[dict] = []
        self.audit: list[dict] = []
        self.settings: list[dict] = []
        self._emails: set[str] = set()

    def tables(self):
        return [
            (ProgramSettings, self.settings),
            (Tier, self.tiers),
            (Organization, self.orgs),
            (OrganizationTrack, self.tracks),
            (Person, self.people),
            (ProductLine, self.product_lines),
            (ProductLineManager, self.line_managers),
            (TerritoryAssignment, self.territory),
            (Notification, self.notifications),
            (AuditEvent, self.audit),
        ]

    def build(self) -> None:
        s = self.shape
        self.settings.append(
            {
                "id": 1,
                "name": "Fieldcrest Partner Program (bench)",
                "currency": "USD",
                "mfa_required_roles": [],
                "updated_at": self.now,
            }
        )
        for i, (name, rank) in enumerate([("Authorized", 1), ("Premier", 2), ("Elite", 3)], 1):
            self.tiers.append({"id": i, "name": name, "rank": rank, "description": f"{name} tier"})

        oem = self._org("Fieldcrest Equipment Co.", OrgKind.OEM, None, "Kansas City, MO")
        masters = [
            self._org(f"{PLACES[i]} Master Distribution", OrgKind.MASTER_DISTRIBUTOR, oem)
            for i in range(s.masters)
        ]
        distributors = []
        for i in range(s.distributors):
            parent = masters[i % len(masters)] if i < s.distributors_under_masters else oem
            name = f"{PLACES[(i + 5) % len(PLACES)]} Distribution {i + 1}"
            distributors.append(self._org(name, OrgKind.DISTRIBUTOR, parent))
        dealers = [
            self._org(
                f"{self.rng.choice(PLACES)} {self.rng.choice(SUFFIXES)} {i + 1}",
                OrgKind.DEALER,
                distributors[i % len(distributors)],
            )
            for i in range(s.dealers)
        ]

        # People: OEM staff first, then each partner's staff; dealers share the rest.
        oem_roles = [Role.PROGRAM_ADMIN] * 2 + [Role.PRODUCT_MANAGER] * (s.oem_people // 3)
        oem_roles += [Role.CHANNEL_MANAGER] * (s.oem_people - len(oem_roles))
        for role in oem_roles:
            self._person(oem, role)
        for org in masters:
            self._staff(org, s.master_people)
        for org in distributors:
            self._staff(org, s.distributor_people)
        remaining = s.people - len(self.people)
        base, extra = divmod(remaining, len(dealers))
        for i, org in enumerate(dealers):
            self._staff(org, base + (1 if i < extra else 0))

        channel_managers = [p for p in self.people if p["role"] == Role.CHANNEL_MANAGER]
        partners = [o for o in self.orgs if o["kind"] != OrgKind.OEM]
        for i, org in enumerate(partners):
            manager = channel_managers[i % len(channel_managers)]
            self.territory.append(
                {"channel_manager_id": manager["id"], "organization_id": org["id"]}
            )

        product_managers = [p for p in self.people if p["role"] == Role.PRODUCT_MANAGER]
        for i, name in enumerate(["Tractors", "Harvesting & Hay", "Parts & Service", "Turf"], 1):
            slug = name.lower().replace(" & ", "-").replace(" ", "-")
            self.product_lines.append(
                {"id": i, "name": name, "slug": slug, "description": name, "created_at": self.now}
            )
            self.line_managers.append(
                {
                    "product_line_id": i,
                    "person_id": product_managers[i % len(product_managers)]["id"],
                }
            )

        for person in self.people:
            for n in range(s.notifications_per_person):
                self.notifications.append(
                    {
                        "person_id": person["id"],
                        "kind": "program",
                        "text": f"Program update {n + 1} for {person['name']}",
                        "url": "/",
                        "created_at": self.now - timedelta(hours=n * 7 + person["id"] % 5),
                        "read_at": None if n == 0 else self.now,
                    }
                )
        admin = self.people[0]
        for org in self.orgs:
            self._audit(admin, "organization.created", "Organization", org["id"], org["id"])
        for person in self.people:
            self._audit(admin, "person.invited", "Person", person["id"], person["organization_id"])

    def _org(self, name: str, kind: OrgKind, parent: dict | None, region: str = "") -> dict:
        org_id = len(self.orgs) + 1
        slug = f"{kind.value.replace('_', '')}{org_id}"
        domain = f"{slug}.example"
        region = region or self.rng.choice(REGIONS)
        tier = None if kind == OrgKind.OEM else self.rng.choice([1, 1, 2, 2, 2, 3])
        org = {
            "id": org_id,
            "name": name,
            "kind": kind,
            "parent_id": parent["id"] if parent else None,
            "path": (parent["path"] if parent else "/") + f"{org_id}/",
            "tier_id": tier,
            "region": region,
            "domain": domain,
            "contact_email": f"info@{domain}",
            "phone": f"+1 555 {org_id:07d}",
            "website": f"https://www.{domain}",
            "address": f"{org_id} Main Street, {region}",
            "logo_path": None,
            "active": True,
            "created_at": self.now - timedelta(days=org_id % 700),
        }
        self.orgs.append(org)
        if kind == OrgKind.DEALER:
            tracks = [Track.DEALER_VAR] + ([Track.SERVICE_PARTNER] if org_id % 3 == 0 else [])
        elif kind == OrgKind.OEM:
            tracks = []
        else:
            tracks = [Track.WHOLESALE_DISTRIBUTOR]
        self.tracks.extend({"organization_id": org_id, "track": t} for t in tracks)
        return org

    def _staff(self, org: dict, count: int) -> None:
        for i in range(count):
            if i == 0:
                role = Role.PARTNER_ADMIN
            elif i <= 2:
                role = Role.DEALER_MARKETER
            else:
                role = Role.PARTNER_STAFF
            self._person(org, role)

    def _person(self, org: dict, role: Role) -> dict:
        person_id = len(self.people) + 1
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        email = f"{first}.{last}.{person_id}@{org['domain']}".lower()
        person = {
            "id": person_id,
            "organization_id": org["id"],
            "email": email,
            "name": f"{first} {last}",
            "title": role.label,
            "phone": "",
            "role": role,
            "password_hash": self.password_hash,
            "active": True,
            "totp_secret": None,
            "totp_enabled": False,
            "totp_last_step": 0,
            "timezone": "America/Chicago",
            "created_at": self.now - timedelta(days=person_id % 400),
            "last_login_at": None,
        }
        self.people.append(person)
        return person

    def _audit(self, actor: dict, action: str, object_type: str, object_id: int, org_id: int):
        self.audit.append(
            {
                "at": self.now - timedelta(minutes=len(self.audit)),
                "actor_id": actor["id"],
                "organization_id": org_id,
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
                "summary": f"{action} {object_type} {object_id}",
                "before": None,
                "after": None,
                "request_id": "bench",
                "ip": "",
            }
        )

    def personas(self) -> dict[str, Persona]:
        """The people the load generator signs in as."""
        by_id = {o["id"]: o for o in self.orgs}

        def first(role: Role, kind: OrgKind) -> dict:
            return next(
                p
                for p in self.people
                if p["role"] == role and by_id[p["organization_id"]]["kind"] == kind
            )

        picks = {
            "dealer": ("dealer marketer", first(Role.DEALER_MARKETER, OrgKind.DEALER)),
            "distributor": ("distributor admin", first(Role.PARTNER_ADMIN, OrgKind.DISTRIBUTOR)),
            "oem": ("channel manager", first(Role.CHANNEL_MANAGER, OrgKind.OEM)),
            "admin": ("program admin", first(Role.PROGRAM_ADMIN, OrgKind.OEM)),
        }
        return {
            key: Persona(key, label, p["id"], p["email"], p["organization_id"])
            for key, (label, p) in picks.items()
        }
