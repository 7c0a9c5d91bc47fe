"""HubFlask.url_for keeps a built URL per endpoint and values: the same string Flask
builds, for every shape of call, and never one call's URL for another's."""

from __future__ import annotations

from flask import Flask, url_for

from hub.web import urls


def _flask_built(app, endpoint, **values) -> str:
    """What plain Flask builds for the same call, bypassing the store."""
    return Flask.url_for(app, endpoint, **values)


def test_a_kept_url_is_the_one_flask_builds(app):
    app._built_urls.clear()
    with app.test_request_context("/"):
        for _ in range(2):  # built, then looked up
            assert url_for("hub.person_detail", person_id=5) == "/people/5"
            assert url_for("hub.person_detail", person_id=6) == "/people/6"
            assert url_for("conversations.ask_expert", product_line=2) == (
                _flask_built(app, "conversations.ask_expert", product_line=2)
            )
            assert url_for("hub.dashboard") == "/"
    assert sorted(app._built_urls.values()) == [
        "/",
        "/conversations/new?product_line=2",
        "/people/5",
        "/people/6",
    ]


def test_query_values_keep_their_order_and_their_type(app):
    app._built_urls.clear()
    with app.test_request_context("/"):
        first = url_for("hub.organization_list", q="a", page=2)
        second = url_for("hub.organization_list", page=2, q="a")
        assert first == _flask_built(app, "hub.organization_list", q="a", page=2)
        assert second == _flask_built(app, "hub.organization_list", page=2, q="a")
        # 1 and True are equal keys in a dict but build different URLs: True is not kept.
        assert url_for("hub.organization_list", page=1).endswith("page=1")
        assert url_for("hub.organization_list", page=True).endswith("page=True")
        assert url_for("hub.organization_list", page="1").endswith("page=1")


def test_each_script_root_has_its_own_urls(app):
    app._built_urls.clear()
    with app.test_request_context("/"):
        assert url_for("hub.person_detail", person_id=5) == "/people/5"
    with app.test_request_context("/", base_url="http://localhost/hub"):
        assert url_for("hub.person_detail", person_id=5) == "/hub/people/5"
        assert _flask_built(app, "hub.person_detail", person_id=5) == "/hub/people/5"
    with app.test_request_context("/"):
        assert url_for("hub.person_detail", person_id=5) == "/people/5"


def test_external_anchor_and_relative_names_are_built_by_flask(app):
    app._built_urls.clear()
    with app.test_request_context("/"):
        external = url_for("hub.dashboard", _external=True)
        assert external.startswith("http") and external.endswith("/")
        assert external == _flask_built(app, "hub.dashboard", _external=True)
        assert url_for("hub.person_detail", person_id=5, _anchor="x y") == "/people/5#x%20y"
        assert url_for("hub.dashboard") == "/"
    assert all(key[1] == "hub.dashboard" for key in app._built_urls)
    # Outside a request: Flask's own rules (external URLs from SERVER_NAME) apply.
    with app.app_context():
        assert url_for("hub.dashboard").endswith("/")
        assert url_for("hub.dashboard").startswith("http")


def test_the_store_is_bounded(app, monkeypatch):
    monkeypatch.setattr(urls, "MAX_URLS", 3)
    app._built_urls.clear()
    with app.test_request_context("/"):
        for person_id in range(10):
            assert url_for("hub.person_detail", person_id=person_id) == f"/people/{person_id}"
    assert len(app._built_urls) <= 3


def test_ensure_sync_answers_as_flask_and_is_kept(app):
    def plain():
        return "plain"

    async def coroutine():
        return "async"

    assert app.ensure_sync(plain) is Flask.ensure_sync(app, plain) is plain
    assert app._synced[plain] is plain
    # An async function is Flask's business: without asgiref installed both refuse it.
    for ensure in (Flask.ensure_sync, type(app).ensure_sync):
        try:
            answer = ensure(app, coroutine)
        except RuntimeError as refused:
            answer = type(refused)
        assert answer is RuntimeError or answer() == "async"
    assert app.ensure_sync(len) is len  # a builtin, kept too
    unhashable = type("Unhashable", (), {"__call__": lambda self: 1, "__hash__": None})()
    assert app.ensure_sync(unhashable) is unhashable  # answered, not kept


def test_the_ensure_sync_store_is_bounded(app, monkeypatch):
    monkeypatch.setattr(urls, "MAX_SYNC", 3)
    app._synced.clear()
    functions = [lambda i=i: i for i in range(10)]
    for function in functions:
        assert app.ensure_sync(function) is function
    assert len(app._synced) <= 3
