"""The Fieldcrest demo program: a believable channel for trying Partner Hub out.

Feature packages extend it through `registry().demo`; each seeder gets the dict this
module builds (organisations and people by key) and adds its own data.
"""

from __future__ import annotations

from datetime import timedelta

from hub import audit, db
from hub.accounts import service as accounts
from hub.db import utcnow
from hub.directory.service import path_beneath
from hub.models import (
    Notification,
    Organization,
    OrganizationTrack,
    OrgKind,
    Person,
    ProductLine,
    ProductLineManager,
    Role,
    TerritoryAssignment,
    Tier,
    Track,
)
from hub.registry import registry
from hub.security import hash_password

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 — the documented demo password, refused in production

DEFAULT_TIERS = [
    ("Authorized", 1, "Entry tier: sells and services the line."),
    ("Premier", 2, "Trained staff, demo fleet, co-op at a higher rate."),
    ("Elite", 3, "Top partners: certified service, beta programs first."),
]

# key, name, kind, parent key, tier, region, domain, tracks
ORGANIZATIONS = [
    (
        "fieldcrest",
        "Fieldcrest Equipment Co.",
        OrgKind.OEM,
        None,
        None,
        "Kansas City, MO",
        "fieldcrest.example",
        [],
    ),
    (
        "gpd",
        "Great Plains Distribution",
        OrgKind.DISTRIBUTOR,
        "fieldcrest",
        "Elite",
        "Great Plains",
        "gpd.example",
        [Track.WHOLESALE_DISTRIBUTOR],
    ),
    (
        "coastal",
        "Coastal Supply",
        OrgKind.DISTRIBUTOR,
        "fieldcrest",
        "Premier",
        "Gulf Coast",
        "coastal.example",
        [Track.WHOLESALE_DISTRIBUTOR, Track.SERVICE_PARTNER],
    ),
    (
        "continental",
        "Continental Ag Supply",
        OrgKind.MASTER_DISTRIBUTOR,
        "fieldcrest",
        "Elite",
        "Canada",
        "continental.example",
        [Track.WHOLESALE_DISTRIBUTOR],
    ),
    (
        "lakes",
        "Lakes Region Distribution",
        OrgKind.DISTRIBUTOR,
        "continental",
        "Premier",
        "Great Lakes",
        "lakes.example",
        [Track.WHOLESALE_DISTRIBUTOR],
    ),
    (
        "prairie",
        "Prairie Ag Dealers",
        OrgKind.DEALER,
        "gpd",
        "Premier",
        "Nebraska",
        "prairie.example",
        [Track.DEALER_VAR, Track.SERVICE_PARTNER],
    ),
    (
        "hillside",
        "Hillside Tractor",
        OrgKind.DEALER,
        "gpd",
        "Authorized",
        "Kansas",
        "hillside.example",
        [Track.DEALER_VAR],
    ),
    (
        "harbor",
        "Harbor Equipment",
        OrgKind.DEALER,
        "coastal",
        "Premier",
        "Louisiana",
        "harbor.example",
        [Track.DEALER_VAR],
    ),
    (
        "sandhills",
        "Sandhills Farm Equipment",
        OrgKind.DEALER,
        "gpd",
        "Elite",
        "Nebraska",
        "sandhills.example",
        [Track.DEALER_VAR, Track.SERVICE_PARTNER],
    ),
    (
        "redriver",
        "Red River Implement",
        OrgKind.DEALER,
        "gpd",
        "Premier",
        "North Dakota",
        "redriver.example",
        [Track.DEALER_VAR],
    ),
    (
        "flint",
        "Flint Hills Machinery",
        OrgKind.DEALER,
        "gpd",
        "Authorized",
        "Kansas",
        "flinthills.example",
        [Track.DEALER_VAR],
    ),
    (
        "platte",
        "Platte Valley Equipment",
        OrgKind.DEALER,
        "gpd",
        "Premier",
        "Nebraska",
        "platte.example",
        [Track.DEALER_VAR, Track.SYSTEM_INTEGRATOR],
    ),
    (
        "bayou",
        "Bayou Ag & Turf",
        OrgKind.DEALER,
        "coastal",
        "Authorized",
        "Louisiana",
        "bayou.example",
        [Track.DEALER_VAR],
    ),
    (
        "gulfbreeze",
        "Gulf Breeze Tractor",
        OrgKind.DEALER,
        "coastal",
        "Premier",
        "Mississippi",
        "gulfbreeze.example",
        [Track.DEALER_VAR],
    ),
    (
        "pinecreek",
        "Pine Creek Equipment",
        OrgKind.DEALER,
        "coastal",
        "Authorized",
        "Alabama",
        "pinecreek.example",
        [Track.SERVICE_PARTNER],
    ),
    (
        "tidewater",
        "Tidewater Machinery",
        OrgKind.DEALER,
        "coastal",
        "Elite",
        "Texas",
        "tidewater.example",
        [Track.DEALER_VAR, Track.SERVICE_PARTNER],
    ),
    (
        "northshore",
        "North Shore Implements",
        OrgKind.DEALER,
        "lakes",
        "Premier",
        "Michigan",
        "northshore.example",
        [Track.DEALER_VAR],
    ),
    (
        "maplegrove",
        "Maple Grove Farm Supply",
        OrgKind.DEALER,
        "lakes",
        "Authorized",
        "Ontario",
        "maplegrove.example",
        [Track.DEALER_VAR],
    ),
    (
        "superior",
        "Superior Ag Systems",
        OrgKind.DEALER,
        "lakes",
        "Elite",
        "Wisconsin",
        "superior.example",
        [Track.SYSTEM_INTEGRATOR],
    ),
    (
        "prairiesky",
        "Prairie Sky Equipment",
        OrgKind.DEALER,
        "continental",
        "Premier",
        "Saskatchewan",
        "prairiesky.example",
        [Track.DEALER_VAR],
    ),
]

# email, name, title, role, organisation key
PEOPLE = [
    (
        "admin@fieldcrest.example",
        "Dana Whitfield",
        "Partner Program Director",
        Role.PROGRAM_ADMIN,
        "fieldcrest",
    ),
    (
        "channel@fieldcrest.example",
        "Marcus Oyelaran",
        "Channel Manager, Central",
        Role.CHANNEL_MANAGER,
        "fieldcrest",
    ),
    (
        "channel.north@fieldcrest.example",
        "Ingrid Solberg",
        "Channel Manager, North",
        Role.CHANNEL_MANAGER,
        "fieldcrest",
    ),
    (
        "pm@fieldcrest.example",
        "Priya Raman",
        "Product Manager, Tractors",
        Role.PRODUCT_MANAGER,
        "fieldcrest",
    ),
    (
        "pm.harvest@fieldcrest.example",
        "Tomás Herrera",
        "Product Manager, Harvesting & Hay",
        Role.PRODUCT_MANAGER,
        "fieldcrest",
    ),
    (
        "pm.parts@fieldcrest.example",
        "Grace Liu",
        "Product Manager, Parts & Service",
        Role.PRODUCT_MANAGER,
        "fieldcrest",
    ),
    ("admin@gpd.example", "Ruth Kowalski", "Dealer Development Lead", Role.PARTNER_ADMIN, "gpd"),
    ("marketing@gpd.example", "Evan Brandt", "Marketing Coordinator", Role.DEALER_MARKETER, "gpd"),
    ("admin@coastal.example", "Luis Batiste", "Operations Manager", Role.PARTNER_ADMIN, "coastal"),
    (
        "admin@continental.example",
        "Claire Tremblay",
        "Partner Manager",
        Role.PARTNER_ADMIN,
        "continental",
    ),
    ("admin@prairie.example", "Walt Jensen", "Owner", Role.PARTNER_ADMIN, "prairie"),
    (
        "marketing@prairie.example",
        "Kelsey Novak",
        "Marketing Manager",
        Role.DEALER_MARKETER,
        "prairie",
    ),
    ("tech@prairie.example", "Jorge Alvarez", "Service Technician", Role.PARTNER_STAFF, "prairie"),
    (
        "sales@prairie.example",
        "Amy Lindqvist",
        "Sales Representative",
        Role.PARTNER_STAFF,
        "prairie",
    ),
    ("admin@hillside.example", "Bob Hartley", "General Manager", Role.PARTNER_ADMIN, "hillside"),
    (
        "marketing@hillside.example",
        "Tara Quinn",
        "Marketing Lead",
        Role.DEALER_MARKETER,
        "hillside",
    ),
    ("admin@harbor.example", "Denise Fontenot", "Owner", Role.PARTNER_ADMIN, "harbor"),
    (
        "marketing@harbor.example",
        "André Guidry",
        "Marketing Manager",
        Role.DEALER_MARKETER,
        "harbor",
    ),
    ("tech@harbor.example", "Cody Thibodeaux", "Service Lead", Role.PARTNER_STAFF, "harbor"),
]

# key, name, description, product manager e-mails
PRODUCT_LINES = [
    (
        "tractors",
        "Tractors",
        "Utility and row-crop tractors, 45–310 hp.",
        ["pm@fieldcrest.example"],
    ),
    (
        "harvest",
        "Harvesting & Hay",
        "Combines, balers, mower-conditioners and rakes.",
        ["pm.harvest@fieldcrest.example"],
    ),
    (
        "parts",
        "Parts & Service",
        "Genuine parts, service kits and extended warranties.",
        ["pm.parts@fieldcrest.example", "pm@fieldcrest.example"],
    ),
]

DEMO_ACCOUNTS = [
    ("admin@fieldcrest.example", "Program admin (OEM)"),
    ("channel@fieldcrest.example", "Channel manager (OEM)"),
    ("pm@fieldcrest.example", "Product manager (OEM)"),
    ("admin@gpd.example", "Partner admin, Great Plains Distribution"),
    ("marketing@prairie.example", "Dealer marketer, Prairie Ag Dealers"),
    ("tech@prairie.example", "Partner staff, Prairie Ag Dealers"),
    ("marketing@harbor.example", "Dealer marketer, Harbor Equipment"),
]


def set_path(org: Organization) -> None:
    """Fill the materialised path from the parent's (the parent must have its path)."""
    org.path = path_beneath(org.parent, org.id)


def seed_demo() -> str:
    """Create the demo program; returns a summary line per part."""
    settings = accounts.program_settings()
    settings.name, settings.currency = "Fieldcrest Partner Program", "USD"
    db.session.add(settings)
    tiers = {}
    for name, rank, description in DEFAULT_TIERS:
        tiers[name] = Tier(name=name, rank=rank, description=description)
        db.session.add(tiers[name])

    orgs: dict[str, Organization] = {}
    for key, name, kind, parent, tier, region, domain, tracks in ORGANIZATIONS:
        org = Organization(
            name=name,
            kind=kind,
            parent=orgs.get(parent),
            tier=tiers.get(tier),
            region=region,
            domain=domain,
            contact_email=f"info@{domain}",
            phone=f"+1 555 01{len(orgs):02d}",
            website=f"https://www.{domain}",
            address=f"{region}",
            track_rows=[OrganizationTrack(track=t) for t in tracks],
        )
        db.session.add(org)
        db.session.flush()
        set_path(org)
        orgs[key] = org

    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: same password, fast seed
    people: dict[str, Person] = {}
    for email, name, title, role, org_key in PEOPLE:
        person = Person(
            email=email,
            name=name,
            title=title,
            role=role,
            organization=orgs[org_key],
            password_hash=password_hash,
            timezone="America/Chicago",
        )
        db.session.add(person)
        people[email] = person
    # Every other partner gets an admin and a salesperson, so no directory row is empty.
    first_names = ["Sam", "Jo", "Lee", "Morgan", "Alex", "Casey", "Drew", "Jamie", "Robin", "Terry"]
    last_names = [
        "Berg",
        "Okafor",
        "Nguyen",
        "Schmidt",
        "Rossi",
        "Dubois",
        "Silva",
        "Park",
        "Hale",
        "Moreau",
    ]
    staffed = {p[4] for p in PEOPLE}
    for i, (key, org) in enumerate(orgs.items()):
        if key in staffed or org.kind == OrgKind.OEM:
            continue
        for j, (role, title, local) in enumerate(
            [
                (Role.PARTNER_ADMIN, "General Manager", "admin"),
                (Role.PARTNER_STAFF, "Sales Representative", "sales"),
            ]
        ):
            name = f"{first_names[(i + j) % 10]} {last_names[(i * 3 + j) % 10]}"
            email = f"{local}@{org.domain}"
            people[email] = Person(
                email=email,
                name=name,
                title=title,
                role=role,
                organization=org,
                password_hash=password_hash,
                timezone="America/Chicago",
            )
            db.session.add(people[email])
    db.session.flush()

    for key, name, description, managers in PRODUCT_LINES:
        line = ProductLine(name=name, slug=key, description=description)
        db.session.add(line)
        db.session.flush()
        for email in managers:
            db.session.add(ProductLineManager(product_line_id=line.id, person_id=people[email].id))

    central = people["channel@fieldcrest.example"]
    north = people["channel.north@fieldcrest.example"]
    central.phone, north.phone = "+1 816 555 0142", "+1 816 555 0177"
    for org in orgs.values():
        if org.kind == OrgKind.OEM:
            continue
        covers = north if org.path.startswith(orgs["continental"].path) else central
        db.session.add(TerritoryAssignment(channel_manager_id=covers.id, organization_id=org.id))

    now = utcnow()
    welcome = [
        (
            "marketing@prairie.example",
            "welcome",
            "Welcome to the Fieldcrest Partner Program hub, Kelsey!",
            "/",
        ),
        (
            "marketing@prairie.example",
            "program",
            "Great Plains Distribution updated your organisation's contact details.",
            f"/organizations/{orgs['prairie'].id}",
            "admin@gpd.example",
        ),
        (
            "channel@fieldcrest.example",
            "welcome",
            "Your territory now covers 12 partner organisations.",
            "/organizations",
        ),
        (
            "admin@gpd.example",
            "staff",
            "Walt Jensen joined Prairie Ag Dealers' team.",
            f"/organizations/{orgs['prairie'].id}",
            "admin@prairie.example",
        ),
        (
            "admin@fieldcrest.example",
            "program",
            "Three partners asked to move up a tier this quarter.",
            "/organizations",
        ),
        (
            "tech@prairie.example",
            "welcome",
            "Welcome, Jorge! Your mastery paths will appear here.",
            "/",
        ),
    ]
    for i, (email, kind, text, url, *actor) in enumerate(welcome):
        db.session.add(
            Notification(
                person_id=people[email].id,
                kind=kind,
                text=text,
                url=url,
                actor_id=people[actor[0]].id if actor else None,
                created_at=now - timedelta(hours=i * 5),
            )
        )

    admin = people["admin@fieldcrest.example"]
    audit.record("program.seeded", settings, actor=admin, summary="Demo program created")
    audit.record(
        "person.invited",
        people["tech@prairie.example"],
        actor=people["admin@prairie.example"],
        after={"email": "tech@prairie.example", "role": "partner_staff"},
        summary="Walt Jensen invited tech@prairie.example as Partner staff",
    )
    db.session.flush()

    context = {"orgs": orgs, "people": people, "tiers": tiers}
    lines = [f"{len(orgs)} organisations, {len(people)} people, {len(PRODUCT_LINES)} product lines"]
    for seeder in registry().demo:
        lines.append(seeder(context))
    return "\n".join(lines)
