"""Video calls in real browsers (Chromium with the fake camera and screen).

Two people: Prairie's marketer and the channel manager join a call in a demo conversation,
the peer connection reaches "connected" and video bytes arrive (getStats); screen share,
mute and leave work. Three people, the whole story of the issue: the marketer asks, the
channel manager hands the conversation to the product manager, and the three meet in one
call where the marketer's shared screen reaches both others. static/js/call.js exposes
window.hubCall."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa

from hub import db
from hub.conversations import access
from hub.conversations import service as conversations
from hub.models import Person
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, check_axe, sign_in
from tests.e2e.test_chat import (
    CONNECTED,
    LIVE,
    PM,
    accept_and_answer,
    hand_to_product_manager,
    send,
    start_conversation,
)

MARKETER = "marketing@prairie.example"
CHANNEL = "channel@fieldcrest.example"
FAKE_MEDIA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def media_browser(browser):
    """Chromium with a fake camera and microphone, and no permission prompts — launched by
    the session's Playwright (a second sync Playwright cannot run beside it). Its fake
    screen for getDisplayMedia is 16:9; its fake camera is 4:3."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + FAKE_MEDIA
    )
    yield chromium
    chromium.close()


@pytest.fixture
def media_page(media_browser, live_server, axe_path):
    """Factory: media_page(email) → a signed-in page in its own context of the fake-media
    Chromium. The test fails when a page throws or breaks its Content-Security-Policy."""
    contexts, errors = [], []

    def _open(email: str):
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
        return page

    yield _open
    for context in contexts:
        context.close()
    assert errors == []


def shared_conversation(app) -> int:
    """A demo conversation both people see (one the marketer started with the channel team)."""
    with app.app_context():
        marketer = db.session.scalar(sa.select(Person).where(Person.email == MARKETER))
        manager = db.session.scalar(sa.select(Person).where(Person.email == CHANNEL))
        for conversation in db.session.scalars(conversations.list_conversations(marketer, "all")):
            if access.can_see(manager, conversation):
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

PEER_STATS = """async (id) => {
    const peer = window.hubCall && window.hubCall.peers[id];
    if (!peer) return {state: "none", bytes: 0};
    let bytes = 0;
    (await peer.pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "video") bytes += r.bytesReceived || 0;
    });
    return {state: peer.pc.connectionState, bytes};
}"""

# The shape of the picture a page shows of one peer: 4:3 is the fake camera, 16:9 the screen.
PEER_ASPECT = """(id) => {
    const peer = window.hubCall && window.hubCall.peers[id];
    const video = peer && peer.video;
    return video && video.videoHeight ? video.videoWidth / video.videoHeight : 0;
}"""


def wait_for_video_from(page, person_id: int) -> None:
    """Wait until the page's connection to that person is connected and video bytes flow."""
    page.wait_for_function(
        "(id) => window.hubCall.peers[id] && "
        "window.hubCall.peers[id].pc.connectionState === 'connected'",
        arg=person_id,
        timeout=30_000,
    )
    deadline = time.monotonic() + 30  # getStats is async: poll from here
    stats = page.evaluate(PEER_STATS, person_id)
    while stats["bytes"] == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        stats = page.evaluate(PEER_STATS, person_id)
    assert stats == {"state": "connected", "bytes": stats["bytes"]} and stats["bytes"] > 0


def wait_for_aspect(page, person_id: int, wide: bool) -> None:
    """Wait until the page shows that person's video as 16:9 (wide) or 4:3."""
    check = "a > 1.5" if wide else "a > 1.2 && a < 1.45"
    page.wait_for_function(
        f"(id) => {{ const a = ({PEER_ASPECT})(id); return {check}; }}",
        arg=person_id,
        timeout=30_000,
    )


def test_two_browsers_reach_a_connected_call_with_video(media_page, live_server):
    from playwright.sync_api import expect

    conversation_id = shared_conversation(live_server.app)
    pages = []
    for email in (MARKETER, CHANNEL):
        page = media_page(email)
        page.goto(f"/conversations/{conversation_id}")
        page.wait_for_function(CONNECTED)
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


def test_handed_off_conversation_becomes_a_three_person_call_with_screen_share(
    media_page, live_server
):
    """The issue's "done when": the marketer and the channel manager chat live, the
    conversation goes to the product manager who answers with its history, and the three
    move into one video call where the marketer shows their screen to both others."""
    from playwright.sync_api import expect

    tag = uuid.uuid4().hex[:6]
    ids = {email: live_server.demo.person(email) for email in (MARKETER, CHANNEL, PM)}
    marketer = media_page(MARKETER)
    path = start_conversation(marketer, f"Hydraulic fault code {tag}", "E-214 on a 5R loader.")
    manager = media_page(CHANNEL)
    manager.goto(path)
    for page in (marketer, manager):
        page.wait_for_function(CONNECTED)
    send(manager, f"Which firmware is it on? {tag}")
    expect(marketer.locator("#chat-log")).to_contain_text(f"Which firmware is it on? {tag}")

    hand_to_product_manager(manager, "E-214 again — can you look with them?")

    pm = media_page(PM)
    pm.goto(path)
    expect(pm.locator("#chat-log")).to_contain_text("E-214 on a 5R loader.")
    expect(pm.locator("#chat-log")).to_contain_text(f"Which firmware is it on? {tag}")
    # The channel manager starts a note for a later hand-off, then goes back to the chat.
    manager.get_by_label("Note for them").fill("Draft: ask the service team too")
    manager.get_by_label("Message", exact=True).focus()
    accept_and_answer(pm, f"Let's look at it together on a call. {tag}", marketer, manager)
    # The pages, never reloaded, say who handles it now and what it waits on...
    for page in (marketer, manager):
        expect(page.locator("#chat-handler")).to_have_text("Handled by Priya Raman.", timeout=LIVE)
        expect(page.locator("#conversation-state")).to_have_text("Waiting on partner")
    expect(marketer.locator("#chat-people li").filter(has_text="Priya Raman")).to_contain_text(
        "Product manager"
    )
    # ...and a part the person has written in stays as they left it.
    expect(manager.get_by_label("Note for them")).to_have_value("Draft: ask the service team too")

    # The marketer starts the call; the channel manager is rung live; the product manager
    # opens the page afresh while the call runs and is offered to join it.
    marketer.get_by_role("button", name="Start video call").click()
    expect(marketer.locator("#call-panel")).to_be_visible()
    manager.get_by_role("button", name="Join call").click(timeout=LIVE)
    expect(manager.locator("#call-panel")).to_be_visible()
    pm.reload()
    pm.wait_for_function(CONNECTED)
    expect(pm.get_by_role("button", name="Start video call")).to_be_hidden()
    expect(pm.locator("#call-status")).to_have_text(
        "Kelsey Novak started a video call. Join it when you are ready."
    )
    pm.get_by_role("button", name="Join call").click()
    expect(pm.locator("#call-panel")).to_be_visible()

    pages = {MARKETER: marketer, CHANNEL: manager, PM: pm}
    for email, page in pages.items():
        for other in pages:
            if other != email:
                wait_for_video_from(page, ids[other])
        expect(page.locator("#call-videos figure")).to_have_count(3)
    check_axe(pm, label="a conversation page in a three-person call")

    # The marketer shares their screen: both others now see a 16:9 picture from them.
    for page in (manager, pm):
        wait_for_aspect(page, ids[MARKETER], wide=False)
    share = marketer.get_by_role("button", name="Share screen")
    share.click()
    expect(share).to_have_attribute("aria-pressed", "true")
    for page in (manager, pm):
        wait_for_aspect(page, ids[MARKETER], wide=True)
    share.click()
    expect(share).to_have_attribute("aria-pressed", "false")
    for page in (manager, pm):
        wait_for_aspect(page, ids[MARKETER], wide=False)

    # One leaves: the other two stay connected; the last one out ends the call.
    manager.get_by_role("button", name="Leave call").click()
    expect(pm.locator("#call-videos figure")).to_have_count(2, timeout=LIVE)
    wait_for_video_from(pm, ids[MARKETER])
    marketer.get_by_role("button", name="Leave call").click()
    pm.get_by_role("button", name="Leave call").click()
    expect(marketer.locator("#chat-log")).to_contain_text(
        "with Kelsey Novak, Marcus Oyelaran, Priya Raman.", timeout=LIVE
    )
