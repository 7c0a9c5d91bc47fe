"""Extension points: where feature packages plug into the core without hub importing them.

Each feature's `init_app(app)` registers what it offers here; hub only ever reads
these registries. The registries live on the app, so two apps in one process (tests)
never see each other's providers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from flask import Flask, current_app


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation, shown to the roles given (all signed-in people if empty).

    `more`: the link sits in the bar's "More" menu on a desktop, so the bar stays one line
    from 1024 px up (on a phone every link is in one list behind the Menu button).
    `badge(person)`, when given, is HTML shown after the label (an unread count): computed
    in Python once per page before the page renders, never from inside the template.
    """

    label: str
    endpoint: str
    roles: frozenset[str] = frozenset()
    order: int = 50
    more: bool = False
    badge: Callable[..., str] | None = None


@dataclass(frozen=True)
class Panel:
    """A dashboard card: its title and the HTML body the provider rendered."""

    title: str
    html: str
    order: int = 50


class PanelProvider(Protocol):
    """Renders the dashboard panels a person may see (empty when none apply)."""

    def __call__(self, person) -> list[Panel]: ...


class AuditWording(Protocol):
    """Words audit events about a feature's own objects for the viewer when shown (their
    names, linked where the viewer may open them): {event id: HTML}. Stored summaries stay."""

    def __call__(self, viewer, events) -> dict: ...


class ContextProvider(Protocol):
    """Returns facts about an organisation for context cards (hand-off, scorecards)."""

    def __call__(self, organization, viewer) -> list[tuple[str, str]]: ...


@dataclass(frozen=True)
class Qualification:
    """Something a person can hold that another area may require (a certification, a
    specialisation): a stable key ("learning:level:12") and the words shown for it."""

    key: str
    label: str


class QualificationSource(Protocol):
    """An area that grants qualifications (learning): every one it can grant, and those a
    person holds now (valid today). Others (beta eligibility) read them through the registry."""

    def choices(self) -> list[Qualification]: ...

    def held_by(self, person) -> set[str]: ...


class MessageActionProvider(Protocol):
    """Actions a feature offers on one message of a conversation page, for the viewer:
    [(label, url)], empty when none apply (the provider decides who may see them)."""

    def __call__(self, viewer, conversation, message) -> list[tuple[str, str]]: ...


@dataclass(frozen=True)
class StandingMeasure:
    """A named measure of an organisation that tier requirements can ask for (how many of
    its staff are certified in a track): `value(org)` now, and — for looking ahead —
    `drops(org)`, the dates on which the value falls by one, soonest first (the expiry of
    each thing counted; empty when nothing counted expires). `unit`/`units` name one and
    several of what is counted ("Technical certification"), for sentences."""

    key: str
    label: str
    value: Callable[..., int]
    drops: Callable[..., list[datetime]]
    unit: str = "item"
    units: str = "items"


class MeasureSource(Protocol):
    """Every measure an area offers now (the list may follow the area's own settings)."""

    def __call__(self) -> list[StandingMeasure]: ...


class PersonSection(Protocol):
    """Panels a feature adds to a person's page for this viewer (empty when the viewer may
    not see that feature's record of the person)."""

    def __call__(self, viewer, person) -> list[Panel]: ...


@dataclass(frozen=True)
class ProgramRule:
    """A program rule as it stands today, in words a dealer reads: a stable key
    ("coop:carryover"), its label, the current value as text, and the page that explains it.
    Another area (program consultations) shows it beside a proposed change."""

    key: str
    label: str
    current: str
    url: str = ""


class ProgramRuleSource(Protocol):
    """An area that owns program rules (co-op rates, carryover, approval limits; tiers):
    each rule's summary as it stands today."""

    def __call__(self) -> list[ProgramRule]: ...


@dataclass(frozen=True)
class Job:
    """A scheduled job run by `hub tick` at most once per `every` (it must be idempotent)."""

    name: str
    every: timedelta
    run: Callable[[datetime], str]


@dataclass
class Registry:
    """All extension points of one app."""

    nav: list[NavItem] = field(default_factory=list)
    panels: list[PanelProvider] = field(default_factory=list)
    context: list[ContextProvider] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    # What a conversation may be about elsewhere (a link kind and an id): each feature
    # names its own kinds ("campaign"), so hub never names a feature's things.
    link_kinds: list[str] = field(default_factory=list)
    # Audit lines (the activity feed, the audit log) a feature words when shown.
    audit_wording: list[AuditWording] = field(default_factory=list)
    # Demo seeders: called with the core's demo dict (orgs and people by key) after the
    # core demo is in place; each returns a one-line summary.
    demo: list[Callable[[dict], str]] = field(default_factory=list)
    # What a person can hold that other areas may require (learning's certifications).
    qualifications: list[QualificationSource] = field(default_factory=list)
    # Measures of an organisation that tier requirements can ask for (hub.standing).
    standing_measures: list[MeasureSource] = field(default_factory=list)
    # Panels on hub's person page (a learning record, kudos), scoped by each provider.
    person_sections: list[PersonSection] = field(default_factory=list)
    # Links shown under each message of a conversation page (e.g. "Turn into idea").
    message_actions: list[MessageActionProvider] = field(default_factory=list)
    # The program's rules as they stand today, from the areas that own them.
    program_rules: list[ProgramRuleSource] = field(default_factory=list)

    # nav_for_role's answers, by role and how many items there were then.
    _nav_by_role: dict[tuple[str, int], tuple[NavItem, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def nav_for_role(self, role: str) -> tuple[NavItem, ...]:
        """The navigation items a role may use, in order (by `order`, then label): the
        same for everyone of the role, so worked out once per role (again if an item is
        added later) rather than on every page."""
        key = (role, len(self.nav))
        try:
            return self._nav_by_role[key]
        except KeyError:
            pass
        items = sorted(
            (i for i in self.nav if not i.roles or role in i.roles),
            key=lambda i: (i.order, i.label),
        )
        self._nav_by_role[key] = found = tuple(items)
        return found

    def panels_for(self, person) -> list[Panel]:
        """Every provider's dashboard panels for person, in their order."""
        panels = [panel for provider in self.panels for panel in provider(person)]
        return sorted(panels, key=lambda p: p.order)

    def worded(self, viewer, events) -> dict:
        """{event id: HTML} for the events a feature words for the viewer; the rest show
        their stored summary."""
        wording = {}
        for provider in self.audit_wording:
            wording.update(provider(viewer, events))
        return wording

    def qualification_choices(self) -> list[Qualification]:
        """Every qualification any area can grant, by label."""
        found = [q for source in self.qualifications for q in source.choices()]
        return sorted(found, key=lambda q: q.label)

    def qualifications_of(self, person) -> set[str]:
        """The keys of the qualifications person holds now, from every area."""
        return {key for source in self.qualifications for key in source.held_by(person)}

    def measures(self) -> dict[str, StandingMeasure]:
        """Every measure any area offers, by key."""
        return {m.key: m for source in self.standing_measures for m in source()}

    def person_panels(self, viewer, person) -> list[Panel]:
        """Every feature's panels for person's page as the viewer may see them, in order."""
        panels = [p for provider in self.person_sections for p in provider(viewer, person)]
        return sorted(panels, key=lambda p: p.order)

    def message_actions_for(self, viewer, conversation, messages) -> dict:
        """{message id: [(label, url)]} for the messages that have any, from every provider."""
        actions: dict = {}
        for message in messages:
            found = [
                a
                for provider in self.message_actions
                for a in provider(viewer, conversation, message)
            ]
            if found:
                actions[message.id] = found
        return actions

    def program_rule_summaries(self) -> list[ProgramRule]:
        """Every area's current rule summaries, in the order the areas registered them."""
        return [rule for source in self.program_rules for rule in source()]

    def program_rule(self, key: str) -> ProgramRule | None:
        """The rule with this key as it stands today (None if no area offers it)."""
        return next((r for r in self.program_rule_summaries() if r.key == key), None)

    def add_job(self, job: Job) -> None:
        if job.name in self.jobs:
            raise ValueError(f"a job named {job.name!r} is registered already")
        self.jobs[job.name] = job


def init_app(app: Flask) -> Registry:
    registry = Registry()
    app.extensions["hub.registry"] = registry
    return registry


def registry(app: Flask | None = None) -> Registry:
    """The current app's registry."""
    return (app or current_app).extensions["hub.registry"]
