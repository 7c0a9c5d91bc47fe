"""Web plumbing shared by every page: sign-in loading, the 2FA gate, page-or-fragment
rendering for htmx, security headers, template helpers and pagination."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from decimal import Decimal

import sqlalchemy as sa
from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup, escape

from hub import dates, db, notifications, policy, uploads
from hub.accounts import service as accounts
from hub.extensions import login_manager
from hub.models import Role
from hub.registry import registry
from hub.web import csrf
from hub.web.csrf import csrf_token

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Every answer carries these, unless the view set its own.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    (
        "Permissions-Policy",
        "camera=(self), microphone=(self), display-capture=(self), geolocation=()",
    ),
)
HSTS_HEADERS = (
    *SECURITY_HEADERS,
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
)

_BY_NAME = tuple((key.lower(), key, value) for key, value in SECURITY_HEADERS)
_HSTS_BY_NAME = tuple((key.lower(), key, value) for key, value in HSTS_HEADERS)

# Endpoints a person who must still set up two-factor may use.
MFA_SETUP_ENDPOINTS = {"hub.settings", "hub.totp_setup", "auth.logout", "static", "hub.healthz"}


def render(template: str, fragment: str | None = None, status: int = 200, **context):
    """Render the page, or only its fragment for an htmx request (one template source)."""
    name = fragment if fragment and request.headers.get("HX-Request") == "true" else template
    response = make_response(render_template(name, **context), status)
    response.headers.add("Vary", "HX-Request")
    return response


def see_other(endpoint: str, **values):
    """Redirect after a change (303), so a reload never posts twice."""
    return redirect(url_for(endpoint, **values), code=303)


def stored_path_or_404(relative: str | None):
    """The path of a stored file to send, or 404 when there is none or it lies outside storage."""
    if not relative:
        abort(404)
    try:
        return uploads.open_stored(relative)
    except FileNotFoundError:
        abort(404)


# --- Forms that carry files: their request limit, and the sentence when one is over it ------

FORM_FIELDS_BYTES = 64 * 1024  # what a form's text fields may add to its files


def files_limit(count: int) -> int:
    """How large a request carrying up to `count` files of HUB_UPLOAD_MAX_BYTES may be."""
    return count * current_app.config["UPLOAD_MAX_BYTES"] + FORM_FIELDS_BYTES


def allow_files(count: int) -> int:
    """Let this request carry up to `count` files of HUB_UPLOAD_MAX_BYTES; returns the limit."""
    limit = files_limit(count)
    request.max_content_length = limit
    return limit


def too_large_sentence(limit: int, count: int) -> str:
    """Why an upload over `limit` bytes (room for `count` files) was refused, and what fits:
    the one sentence of every page and API answer."""
    each = _mb(current_app.config["UPLOAD_MAX_BYTES"])
    sent = request.content_length
    if not sent:
        return f"That upload is larger than {_mb(limit)}."
    if count == 1:
        return f"That file is too large ({_mb(sent)} sent); attach a file of up to {each}."
    return (
        f"Those files are too large together ({_mb(sent)} sent); attach at most {count} "
        f"files of up to {each} each."
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def accepts_files(count: int, too_large):
    """Mark a page route whose form carries up to `count` files. Its request may be that
    large (set before anything reads the form, the CSRF check included), and a larger one
    is answered by `too_large(sentence, **view_args)`: the same form again, status 413,
    with the sentence at its file field. The body is not read, so typed text can't be
    kept; the page's script refuses an oversized file before it is sent."""

    def mark(view):
        view.accepts_files = (count, too_large)
        return view

    return mark


def _marked_files():
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "accepts_files", None)


def upload_limit() -> None:
    """Before the request's form is read: the request limit of a route marked
    `accepts_files` (other routes keep MAX_CONTENT_LENGTH)."""
    if marked := _marked_files():
        allow_files(marked[0])


def too_large_page():
    """The answer to a request over its limit on a route marked `accepts_files`, for a
    signed-in person; None elsewhere (the plain error page)."""
    marked = _marked_files()
    if marked is None or not current_user.is_authenticated:
        return None
    count, too_large = marked
    return too_large(too_large_sentence(files_limit(count), count), **(request.view_args or {}))


def external_url(endpoint: str, **values) -> str:
    """An absolute link for e-mails, never built from the request's Host header: on
    HUB_PUBLIC_URL when set, else on SERVER_NAME, else on the request's host when
    HUB_TRUSTED_HOSTS has vetted it, else on http://127.0.0.1:HUB_PORT."""
    cfg = current_app.config
    public = cfg.get("PUBLIC_URL")
    if not public and cfg.get("SERVER_NAME"):
        public = f"{cfg.get('PREFERRED_URL_SCHEME') or 'http'}://{cfg['SERVER_NAME']}"
    if not public and cfg.get("TRUSTED_HOSTS") and has_request_context():
        return url_for(endpoint, _external=True, **values)  # Flask refused any other host
    if not public:
        public = f"http://127.0.0.1:{cfg['PORT']}"
    return str(public).rstrip("/") + url_for(endpoint, **values)


@dataclass
class Page:
    """One page of a keyset- or offset-paginated list."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(stmt: sa.Select, page: int, per_page: int) -> Page:
    """Run stmt for one page plus a count — two queries whatever the data size."""
    page = max(1, page)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, page, per_page, total)


def paginate_rows(search, page: int, per_page: int, item=None) -> Page:
    """paginate() for prebuilt statements of the columns a page shows (`search.count`, and
    `search.rows` taking "limit" and "offset"): rows, not objects (db.read), each made
    into `item(row)` when given."""
    page = max(1, page)
    total = db.read(search.count, search.params).scalar_one()
    window = {**search.params, "limit": per_page, "offset": (page - 1) * per_page}
    rows = db.read(search.rows, window).all()
    return Page([item(r) for r in rows] if item else rows, page, per_page, total)


def int_arg(name: str, default: int = 1) -> int:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default


def money(value: Decimal | int | None, currency: str | None = None) -> str:
    """Exact money with thousands separators and the program currency."""
    if value is None:
        return ""
    currency = currency or g.get("program_currency") or "USD"
    amount = Decimal(value).quantize(Decimal("0.01"))
    return f"{currency} {amount:,.2f}"


# What a User-Agent string contains → the name people know, first match wins.
BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """'Chrome on Windows' from a User-Agent string — enough to recognise a session."""
    ua = user_agent or ""
    if not ua:
        return "Unknown device"
    browser = next((name for key, name in BROWSERS if key in ua), "A browser")
    system = next((name for key, name in SYSTEMS if key in ua), "an unknown system")
    return f"{browser} on {system}"


def thousands(value: int | None) -> str:
    """A count as people read it: 2,020 partners, not 2020 (no separator for none)."""
    return f"{value or 0:,}"


def linkify(text: str) -> Markup:
    """Plain text with line breaks kept and http(s) links made clickable — nothing else."""
    out = []
    for part in re.split(r"(https?://[^\s<>\"']+)", text or ""):
        if part.startswith(("http://", "https://")):
            out.append(Markup('<a href="{0}" rel="noopener nofollow">{0}</a>').format(part))
        else:
            out.append(escape(part).replace("\n", Markup("<br>")))
    return Markup("").join(out)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are server-side rows, ended on sign-out

    @login_manager.user_loader
    def _load(token: str):
        return accounts.load_session(token)

    @app.before_request
    def _mfa_gate():
        if request.path.startswith("/api/"):
            return None
        user = current_user._get_current_object()  # loaded once here, for the whole request
        if not user.is_authenticated or user.totp_enabled:
            return None
        if request.endpoint in MFA_SETUP_ENDPOINTS:
            return None
        if accounts.mfa_required(user):
            session["mfa_setup_needed"] = True
            return redirect(url_for("hub.totp_setup"), code=303)
        return None

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        # One pass over what the response has, rather than a scan (and a KeyError raised
        # and caught) per header asked about.
        present = {key.lower() for key, _ in headers.items()}
        for lower, key, value in _HSTS_BY_NAME if app.config["SECURE_COOKIES"] else _BY_NAME:
            if lower not in present:
                headers.add(key, value)
        if "cache-control" not in present:
            user = current_user._get_current_object()
            if user is not None and user.is_authenticated:
                headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def _template_context():
        # The person themself rather than Flask-Login's proxy, which finds them again at
        # every use (a page's templates read current_user a hundred times).
        user = current_user._get_current_object()
        ctx = {"policy": policy, "Role": Role, "current_user": user, "csrf_token": csrf_token}
        if user is not None and user.is_authenticated:
            # Once per request (a dashboard renders each panel's template too), and
            # forgotten at any write (db.memo), so a page never shows a stale count.
            ctx.update(db.memo(("web.page", user.id), lambda: _page_context(user)))
            g.program_currency = ctx["program"].currency
        else:
            ctx.update(nav_items=[], unread_notifications=0, program=None, layout_program=None)
        return ctx

    csrf.init_app(app)  # the signed CSRF token, reused per session secret
    dates.init_app(app)  # date, datetime, relative, iso
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["thousands"] = thousands
    app.jinja_env.filters["linkify"] = linkify
    app.jinja_env.filters["device"] = describe_device
    app.jinja_env.globals["request_id"] = lambda: g.get("request_id", "")


def _page_context(person) -> dict:
    """What the layout shows a signed-in person on every page."""
    context = {
        "nav_items": nav_for(person),
        "unread_notifications": notifications.unread_count(person.id),
        "program": accounts.program_facts(),
    }
    # The layout reads the program under its own name too: a page may pass its own
    # `program` (a beta program), which must not blank the title and footer.
    context["layout_program"] = context["program"]
    return context


def nav_for(person) -> list:
    """The navigation items this person's role may use, in order; a badge (an unread
    count) computed now and joined to its label."""
    return [
        replace(i, label=escape(i.label) + Markup(" ") + i.badge(person)) if i.badge else i
        for i in registry().nav_for_role(person.role.value)
    ]
