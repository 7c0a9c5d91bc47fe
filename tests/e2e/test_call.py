"""A video call between two Chromium contexts with the fake camera: Prairie's marketer and
the channel manager join a call in a demo conversation, the peer connection reaches
"connected" and video bytes arrive (getStats). static/js/call.js exposes window.hubCall."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from hub import conversations, db
from hub.models import Person
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, check_axe, sign_in

MARKETER = "marketing@prairie.example"
CHANNEL = "channel@fieldcrest.example"
FAKE_MEDIA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def media_browser(browser):
    """Chromium with a fake camera and microphone, and no permission prompts — launched by
    the session's Playwright (a second sync Playwright cannot run beside it)."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + FAKE_MEDIA
    )
    yield chromium
    chromium.close()


def shared_conversation(app) -> int:
    """A demo conversation both people see (one the marketer started with the channel team)."""
    with app.app_context():
        marketer = db.session.scalar(sa.select(Person).where(Person.email == MARKETER))
        manager = db.session.scalar(sa.select(Person).where(Person.email == CHANNEL))
        for conversation in db.session.scalars(conversations.list_conversations(marketer, "all")):
            if conversations.can_see(manager, conversation):
                return conversation.id
    pytest.fail("the demo has no conversation between the marketer and the channel manager")


STATS = """async () => {
    const pc = window.hubCall && window.hubCall.pc;
    if (!pc) return {state: "none", bytes: 0};
    let bytes = 0;
    (await pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "video") bytes += r.bytesReceived || 0;
    });
    return {state: pc.connectionState, bytes};
}"""


def test_two_browsers_reach_a_connected_call_with_video(media_browser, live_server, axe_path):
    from playwright.sync_api import expect

    conversation_id = shared_conversation(live_server.app)
    contexts, pages, errors = [], [], []
    try:
        for email in (MARKETER, CHANNEL):
            context = media_browser.new_context(base_url=live_server.url, viewport=DESKTOP)
            context.add_init_script(path=str(axe_path))
            contexts.append(context)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "console",
                lambda msg: (
                    errors.append(msg.text)
                    if msg.type == "error" and "Content Security Policy" in msg.text
                    else None
                ),
            )
            sign_in(page, email)
            page.goto(f"/conversations/{conversation_id}")
            page.wait_for_function("() => window.hubSocket && window.hubSocket.connected")
            pages.append(page)
        marketer, manager = pages

        marketer.get_by_role("button", name="Start video call").click()
        expect(marketer.locator("#call-panel")).to_be_visible()
        join = manager.get_by_role("button", name="Join call")
        expect(join).to_be_visible()
        join.click()
        expect(manager.locator("#call-panel")).to_be_visible()

        for page in pages:
            page.wait_for_function(
                "() => window.hubCall.pc && window.hubCall.pc.connectionState === 'connected'",
                timeout=30_000,
            )
        check_axe(marketer, label="a conversation page in a call")
        for page in pages:  # getStats is async: poll from here
            deadline = time.monotonic() + 30
            stats = page.evaluate(STATS)
            while stats["bytes"] == 0 and time.monotonic() < deadline:
                page.wait_for_timeout(500)
                stats = page.evaluate(STATS)
            assert stats["state"] == "connected" and stats["bytes"] > 0

        # Screen share swaps the camera track sent to the peer for the screen's, and back.
        sent = (
            "() => window.hubCall.pc.getSenders()"
            ".find((s) => s.track && s.track.kind === 'video').track.id"
        )
        camera = marketer.evaluate(sent)
        share = marketer.get_by_role("button", name="Share screen")
        share.click()
        expect(share).to_have_attribute("aria-pressed", "true")
        marketer.wait_for_function(f"(camera) => ({sent})() !== camera", arg=camera)
        share.click()
        expect(share).to_have_attribute("aria-pressed", "false")
        marketer.wait_for_function(f"(camera) => ({sent})() === camera", arg=camera)

        mute = marketer.get_by_role("button", name="Mute microphone")
        mute.click()
        expect(mute).to_have_attribute("aria-pressed", "true")

        marketer.get_by_role("button", name="Leave call").click()
        manager.get_by_role("button", name="Leave call").click()
        expect(manager.get_by_role("button", name="Start video call")).to_be_visible()
        expect(manager.locator("#chat-log")).to_contain_text("Video call,", timeout=10_000)
    finally:
        for context in contexts:
            context.close()
    assert errors == []
