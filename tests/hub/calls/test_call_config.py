"""HUB_ICE_SERVERS and HUB_TURN_URLS are checked at start-up, one sentence per problem —
a bad entry would otherwise only show as video calls that never connect."""

from __future__ import annotations

import pytest

from hub import create_app
from hub.calls import service as calls
from hub.config import ConfigError


def _app(tmp_path, **settings):
    return create_app(
        {"ENV_NAME": "testing", "SECRET_KEY": "k" * 40, "INSTANCE_PATH": str(tmp_path), **settings}
    )


@pytest.mark.parametrize(
    ("settings", "sentence"),
    [
        ({"ICE_SERVERS": "stun:stun.example.com"}, "HUB_ICE_SERVERS must be a JSON list"),
        ({"ICE_SERVERS": ["stun:stun.example.com"]}, r"HUB_ICE_SERVERS\[0\] must be an object"),
        (
            {"ICE_SERVERS": [{"url": "stun:x:3478"}]},
            r"HUB_ICE_SERVERS\[0\] has unknown keys \(url\)",
        ),
        ({"ICE_SERVERS": [{"urls": []}]}, r"HUB_ICE_SERVERS\[0\] needs urls"),
        (
            {"ICE_SERVERS": [{"urls": "stun:ok:3478"}, {"urls": "http://turn.example.com"}]},
            r"HUB_ICE_SERVERS\[1\] has the URL 'http://turn.example.com'",
        ),
        (
            {"ICE_SERVERS": [{"urls": ["turn:turn.example.com:3478"]}]},
            r"HUB_ICE_SERVERS\[0\] is a TURN server without username and credential",
        ),
        (
            {"ICE_SERVERS": [{"urls": "turn:t:3478", "username": "u", "credential": 7}]},
            "credential must be a string",
        ),
        ({"TURN_URLS": {"a": 1}, "TURN_SECRET": "s"}, "HUB_TURN_URLS must be a JSON list"),
        (
            {"TURN_URLS": ["stun:stun.example.com:3478"], "TURN_SECRET": "s"},
            "HUB_TURN_URLS has 'stun:stun.example.com:3478'; TURN URLs look like",
        ),
        ({"TURN_SECRET": "s"}, "HUB_TURN_SECRET is set but HUB_TURN_URLS is empty"),
        ({"TURN_URLS": ["turn:t.example.com:3478"]}, "HUB_TURN_URLS is set but HUB_TURN_SECRET"),
        ({"TURN_TTL": "an hour"}, "HUB_TURN_TTL must be a whole number"),
    ],
)
def test_bad_ice_and_turn_settings_stop_start_up_with_a_sentence(tmp_path, settings, sentence):
    with pytest.raises(ConfigError, match=sentence):
        _app(tmp_path, **settings)


def test_every_problem_is_named_at_once(tmp_path):
    with pytest.raises(ConfigError) as caught:
        _app(
            tmp_path,
            ICE_SERVERS=[{"urls": "stun:a b"}, {"urls": "turns:t:5349"}],
            TURN_SECRET="s",
        )
    message = str(caught.value)
    assert "HUB_ICE_SERVERS[0] has the URL 'stun:a b'" in message
    assert "HUB_ICE_SERVERS[1] is a TURN server without username" in message
    assert "HUB_TURN_SECRET is set but HUB_TURN_URLS is empty" in message


def test_good_settings_from_the_environment_reach_the_calls(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "HUB_ICE_SERVERS",
        '[{"urls": ["stun:stun.example.com:3478"]},'
        ' {"urls": "turns:relay.example.com:5349?transport=tcp", "username": "u", "credential": "c"}]',
    )
    monkeypatch.setenv("HUB_TURN_URLS", '"turn:turn.example.com:3478"')  # one URL alone is fine
    monkeypatch.setenv("HUB_TURN_SECRET", "north-field-secret")
    app = _app(tmp_path)
    try:
        assert app.config["TURN_URLS"] == ["turn:turn.example.com:3478"]
        servers = calls.ice_servers(app.config, person_id=31)
        assert [s["urls"] for s in servers] == [
            ["stun:stun.example.com:3478"],
            "turns:relay.example.com:5349?transport=tcp",
            ["turn:turn.example.com:3478"],
        ]
        assert servers[2]["username"].endswith(":31")
    finally:
        app.extensions["hub.db"]["engine"].dispose()


def test_no_ice_settings_mean_host_candidates_only(tmp_path):
    app = _app(tmp_path)
    try:
        assert app.config["ICE_SERVERS"] == [] and app.config["TURN_URLS"] == []
        assert calls.ice_servers(app.config, person_id=1) == []
    finally:
        app.extensions["hub.db"]["engine"].dispose()
