"""Campaigns — see ARCHITECTURE.md. This package registers itself with hub through init_app."""

from datetime import timedelta

from flask import Flask

from campaigns.cli import campaigns_cli, close_period_job
from campaigns.coop import api, providers
from campaigns.coop import export_views as _coop_export_views  # noqa: F401  (routes join bp)
from campaigns.coop import import_views as _coop_import_views  # noqa: F401  (routes join bp)
from campaigns.coop import rule_summaries as coop_rule_summaries
from campaigns.coop import views as _coop_views  # noqa: F401  (its routes join bp on import)
from campaigns.coop.blueprint import bp
from campaigns.coop.data_api import init_app as init_coop_data_api
from campaigns.demo import coop as coop_demo
from campaigns.demo import kits as kits_demo
from campaigns.demo import proposals as proposal_demo
from campaigns.demo import studio as studio_demo
from campaigns.kits import admin_views as _kit_admin_views  # noqa: F401  (routes join bp)
from campaigns.kits import api as kits_api
from campaigns.kits import panels as kit_panels
from campaigns.kits import views as _kit_views  # noqa: F401  (its routes join bp on import)
from campaigns.proposals import admin_views as _proposal_admin_views  # noqa: F401  (routes join bp)
from campaigns.proposals import api as proposal_api
from campaigns.proposals import claim_views as _proposal_claim_views  # noqa: F401  (routes join bp)
from campaigns.proposals import events as proposal_events
from campaigns.proposals import held_proofs
from campaigns.proposals import jobs as proposal_jobs
from campaigns.proposals import pages as proposal_pages
from campaigns.proposals import panels as proposal_panels
from campaigns.proposals import service as proposal_service
from campaigns.proposals import views as _proposal_views  # noqa: F401  (its routes join bp on import)
from campaigns.studio import admin_views as _studio_admin_views  # noqa: F401  (routes join bp)
from campaigns.studio import api as studio_api
from campaigns.studio import cache as studio_cache
from campaigns.studio import views as _studio_views  # noqa: F401  (its routes join bp on import)
from hub.registry import Job, NavItem, registry


def init_app(app: Flask) -> None:
    """Register the blueprint, CLI commands, socket handlers, jobs and hub providers."""
    app.register_blueprint(bp)
    api.init_app(app)
    init_coop_data_api(app)
    proposal_api.init_app(app)
    kits_api.init_app(app)
    studio_api.init_app(app)
    app.cli.add_command(campaigns_cli)
    proposal_events.init_app(app)
    # The co-op panel offers "Start a campaign" to whoever the proposals workflow lets propose.
    providers.offer_campaigns(app, proposal_service.can_propose)
    # The ledger names the campaign a hold is for, linked when the viewer may see it.
    providers.name_references(app, proposal_pages.campaign_links)
    reg = registry(app)
    reg.add_job(Job("campaigns.close-period", timedelta(days=1), close_period_job))
    reg.add_job(Job("campaigns.proposals", timedelta(hours=6), proposal_jobs.daily_job))
    reg.add_job(Job("campaigns.held-proofs", timedelta(hours=1), held_proofs.prune_expired))
    reg.add_job(Job("campaigns.studio-cache", timedelta(days=1), studio_cache.prune_job))
    reg.nav.append(NavItem("Campaigns", "campaigns.proposal_list", order=25))
    reg.nav.append(NavItem("Co-op funds", "campaigns.coop", order=30))
    studio_roles = frozenset({"dealer_marketer", "partner_admin"})
    reg.nav.append(NavItem("Studio", "campaigns.studio_home", studio_roles, order=32, more=True))
    brand_kit = frozenset({"program_admin"})
    reg.nav.append(NavItem("Brand kit", "campaigns.studio_admin", brand_kit, order=33, more=True))
    reg.panels.append(providers.coop_panel)
    reg.panels.append(proposal_panels.proposal_panels)
    reg.panels.append(kit_panels.kit_panel)
    reg.context.append(providers.coop_facts)
    reg.program_rules.append(coop_rule_summaries.rule_summaries)
    reg.audit_wording.append(providers.hold_wording)
    reg.link_kinds.append("campaign")
    reg.demo.append(coop_demo.seed_demo)  # before the proposals demo, which builds on it
    reg.demo.append(proposal_demo.seed_demo)
    reg.demo.append(studio_demo.seed_demo)  # after the proposals: it attaches assets to them
    reg.demo.append(kits_demo.seed_demo)  # after the studio: kits carry its templates
