"""The kits API's shapes: a published kit as the API answers it, and what a launch takes
(the dates, defaulted from the kit when left out, and the co-op amount as text)."""

from __future__ import annotations

from pydantic import Field

from campaigns.kits import service
from campaigns.kits.models import CampaignKit
from campaigns.proposals.request_schemas import money_text
from hub.api import Input, NamedRef, Output
from hub.api.schemas import Day, Money, day, loose, money


class KitBudgetLine(Output):
    description: str
    amount: Money


class KitSummary(Output):
    id: int
    name: str
    summary: str
    category: NamedRef
    title: str
    objective: str
    audience: str
    budget: list[KitBudgetLine]
    budget_total: Money
    share: str = Field(description="The share of cost co-op pays on it, e.g. 0.7500.")
    most_to_ask: Money = Field(description="The budget × the share: the most co-op to ask for.")
    expected_leads: int | None
    expected_revenue: Money | None
    default_starts_on: Day = Field(description="Today plus the kit's lead time.")
    default_ends_on: Day
    templates: list[NamedRef] = Field(description="Studio templates attached when launched.")

    @classmethod
    def of(cls, kit: CampaignKit) -> KitSummary:
        starts, ends = service.default_dates(kit)
        return cls(
            id=kit.id,
            name=kit.name,
            summary=kit.summary,
            category=NamedRef(id=kit.category.id, name=kit.category.name),
            title=kit.title,
            objective=kit.objective,
            audience=kit.audience,
            budget=[
                KitBudgetLine(description=d, amount=money(a)) for d, a in service.budget_of(kit)
            ],
            budget_total=money(service.budget_total(kit)),
            share=f"{service.share(kit):.4f}",
            most_to_ask=money(service.most_to_ask(kit)),
            expected_leads=kit.expected_leads,
            expected_revenue=money(kit.expected_revenue),
            default_starts_on=day(starts),
            default_ends_on=day(ends),
            templates=[NamedRef(id=r.template.id, name=r.template.name) for r in kit.templates],
        )


class KitLaunch(Input):
    """The dealer's part of a launch; everything else comes from the kit."""

    starts_on: loose({"type": "string", "format": "date"}) = None
    ends_on: loose({"type": "string", "format": "date"}) = None
    requested_amount: money_text("the co-op requested") = None

    def data(self, kit: CampaignKit) -> dict:
        """The launch's fields, the kit's default dates where none were sent."""
        starts, ends = service.default_dates(kit)
        return {
            "starts_on": self.starts_on or starts.isoformat(),
            "ends_on": self.ends_on or ends.isoformat(),
            "requested_amount": self.requested_amount,
        }
