"""Live chat in real browsers (three Chromium contexts against the live server):

Prairie's marketer starts a conversation and chats with the channel manager — messages,
the typing indicator and read receipts arrive without a reload, presence shows online and
away, an image and a PDF are attached, the navigation's unread badge follows live — then
the channel manager hands the conversation to the product manager, who sees the whole
history and the context card, accepts and answers; the marketer sees the answer live.
axe finds no serious problems on the conversation pages.

Hidden pages are simulated the way a browser reports them (visibilityState and the
visibilitychange event): headless Chromium never hides a page by itself.
"""

from __future__ import annotations

import io
import random
import re
import uuid

from PIL import Image

from tests.e2e.conftest import check_axe, sign_in

MARKETER = "marketing@prairie.example"  # Kelsey Novak, Prairie Ag Dealers
CHANNEL = "channel@fieldcrest.example"  # Marcus Oyelaran, channel manager
PM = "pm@fieldcrest.example"  # Priya Raman, product manager (Tractors)
LIVE = 15_000  # ms to wait for something pushed over the socket (CI machines are busy)

CONNECTED = "() => window.hubSocket && window.hubSocket.connected"


def set_visibility(page, state: str) -> None:
    """Make the page report hidden / visible and tell it, as a browser does."""
    page.evaluate(
        """(state) => {
            Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def image_file(folder, name="bracket.png", noise=False, side=120):
    """A PNG on disk: plain, or of noise (which compresses badly, so it uploads slowly)."""
    image = Image.new("RGB", (side, side), (30, 110, 190))
    if noise:
        rng = random.Random(4)
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    path = folder / name
    path.write_bytes(out.getvalue())
    return path


def pdf_file(folder, name="service-manual.pdf"):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(300, 300)
    path = folder / name
    with open(path, "wb") as out:
        writer.write(out)
    return path


def start_conversation(page, subject: str, body: str) -> str:
    """Start a conversation about tractors from the marketer's page; its path."""
    page.goto("/conversations")
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Product line").select_option(label="Tractors")
    page.get_by_label("Your message").fill(body)
    page.get_by_role("button", name="Start the conversation").click()
    page.wait_for_url(re.compile(r".*/conversations/\d+$"))
    return "/" + page.url.split("/", 3)[3]


def send(page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def hand_to_product_manager(manager, note: str) -> None:
    """The channel manager hands the open conversation to Priya Raman with a note."""
    from playwright.sync_api import expect

    manager.get_by_label("Hand to").select_option(label="Priya Raman — product manager")
    manager.get_by_label("Note for them").fill(note)
    manager.get_by_role("button", name="Hand off").click()
    expect(manager.locator(".flash")).to_contain_text("Handed to Priya Raman")


def accept_and_answer(pm, answer: str, *others) -> None:
    """The product manager accepts the hand-off and answers; the others see it live."""
    from playwright.sync_api import expect

    pm.get_by_role("button", name="Accept the conversation").click()
    expect(pm.locator(".flash")).to_contain_text("The conversation is yours now.")
    pm.wait_for_function(CONNECTED)
    send(pm, answer)
    for page in others:
        expect(page.locator("#chat-log")).to_contain_text(answer, timeout=LIVE)


def person(page, name: str):
    return page.locator("#chat-people li").filter(has_text=name)


def test_marketer_and_channel_manager_chat_live_then_hand_off_to_the_product_manager(
    open_page, tmp_path
):
    from playwright.sync_api import expect

    tag = uuid.uuid4().hex[:6]
    marketer = open_page()
    sign_in(marketer, MARKETER)
    path = start_conversation(
        marketer, f"Loader bracket cracked {tag}", "The loader bracket cracked after a week."
    )
    dashboard = marketer.context.new_page()  # the marketer's other tab, on the dashboard
    dashboard.goto("/")
    badge = dashboard.locator("nav .mainnav__main [data-unread-conversations]")  # the bar's
    unread = int(badge.get_attribute("data-unread-conversations"))

    manager = open_page()
    sign_in(manager, CHANNEL)
    manager.goto(path)
    for page in (marketer, manager, dashboard):
        page.wait_for_function(CONNECTED)
    check_axe(manager, label="the channel manager's conversation page")
    check_axe(marketer, label="the marketer's conversation page")

    # Presence: online, away while the page is hidden, online again.
    expect(person(manager, "Kelsey Novak")).to_have_attribute("data-presence", "online")
    set_visibility(marketer, "hidden")
    set_visibility(dashboard, "hidden")
    expect(person(manager, "Kelsey Novak")).to_have_attribute("data-presence", "away", timeout=LIVE)
    expect(person(manager, "Kelsey Novak").locator(".people__state")).to_have_text("away")
    set_visibility(marketer, "visible")
    expect(person(manager, "Kelsey Novak")).to_have_attribute(
        "data-presence", "online", timeout=LIVE
    )

    # Typing, then the message, then the read receipt — all without a reload.
    marketer.get_by_label("Message", exact=True).press_sequentially("Which bolts")
    expect(manager.locator("#chat-typing")).to_have_text("Kelsey Novak is typing…", timeout=LIVE)
    send(marketer, f"Which bolts should we use? {tag}")
    expect(manager.locator("#chat-log")).to_contain_text(f"Which bolts should we use? {tag}")
    expect(manager.locator("#chat-typing")).to_have_text("")
    expect(person(marketer, "Marcus Oyelaran").locator(".people__read")).to_have_text(
        "Has read everything", timeout=LIVE
    )

    # Files: an image shown in the log, a PDF offered as a download.
    marketer.get_by_label("Attach files").set_input_files(
        [image_file(tmp_path), pdf_file(tmp_path)]
    )
    send(marketer, "Photo and the manual page")
    image = manager.locator("#chat-log img[alt='Image: bracket.png']")
    expect(image).to_be_visible(timeout=LIVE)
    expect(manager.locator("#chat-log a[download='service-manual.pdf']")).to_be_visible()
    served = manager.request.get(image.get_attribute("src"))
    assert served.status == 200 and served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    pdf_url = manager.locator("#chat-log a[download='service-manual.pdf']").get_attribute("href")
    download = manager.request.get(pdf_url)
    assert download.headers["content-disposition"].startswith("attachment")
    assert marketer.request.get(pdf_url).status == 200  # the sender too
    outsider = open_page()
    sign_in(outsider, "marketing@harbor.example")  # another dealer: not theirs to see
    assert outsider.request.get(pdf_url).status == 404
    outsider.close()
    check_axe(manager, label="a conversation page with files")

    # The unread badge: up when an answer arrives while the conversation isn't in view,
    # down again once it is read.
    set_visibility(marketer, "hidden")
    send(manager, f"Use the M16 grade 10.9 bolts. {tag}")
    expect(badge).to_have_attribute("data-unread-conversations", str(unread + 1), timeout=LIVE)
    expect(badge).to_be_visible()
    set_visibility(marketer, "visible")  # the marketer looks: read
    expect(badge).to_have_attribute("data-unread-conversations", str(unread), timeout=LIVE)

    # Hand-off to the product manager, with a note.
    hand_to_product_manager(manager, "Cracked brackets on a 5R — supplier batch?")
    expect(marketer.locator("#chat-log")).to_contain_text(
        "Marcus Oyelaran handed this conversation to Priya Raman", timeout=LIVE
    )

    pm = open_page()
    sign_in(pm, PM)
    pm.goto(path)
    pm.wait_for_function(CONNECTED)
    log = pm.locator("#chat-log")
    for earlier in (
        "The loader bracket cracked after a week.",
        f"Which bolts should we use? {tag}",
        f"Use the M16 grade 10.9 bolts. {tag}",
    ):
        expect(log).to_contain_text(earlier)
    expect(log.locator("img[alt='Image: bracket.png']")).to_be_visible()
    card = pm.locator("section[aria-labelledby='context-title']")
    expect(card).to_contain_text("About Prairie Ag Dealers")
    expect(card).to_contain_text("Premier")
    expect(pm.locator("#handoff-title + p")).to_contain_text(
        "Marcus Oyelaran handed you this conversation with a note: "
        "“Cracked brackets on a 5R — supplier batch?”"
    )
    check_axe(pm, label="the product manager's handed-off conversation")
    accept_and_answer(pm, f"We are replacing that batch; a kit ships Monday. {tag}", marketer)
    expect(manager.locator("#chat-log")).to_contain_text("Priya Raman accepted the conversation.")
    dashboard.close()


def test_a_slow_upload_shows_its_progress_and_a_lying_file_is_refused(open_page, tmp_path):
    from playwright.sync_api import expect

    marketer = open_page()
    sign_in(marketer, MARKETER)
    path = start_conversation(marketer, f"Upload check {uuid.uuid4().hex[:6]}", "Files follow.")
    marketer.wait_for_function(CONNECTED)

    # A file named .pdf that is an image: refused with a sentence, nothing sent.
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(image_file(tmp_path, "real.png").read_bytes())
    marketer.get_by_label("Attach files").set_input_files(fake)
    send(marketer, "Here is the invoice")
    expect(marketer.locator("#chat-connection")).to_contain_text(
        "“invoice.pdf” is not what it says", timeout=LIVE
    )
    expect(marketer.get_by_label("Message", exact=True)).to_have_value("Here is the invoice")
    expect(marketer.locator("#chat-log .msg")).to_have_count(1)

    # Throttled to ~64 KB/s, a ~600 KB image takes seconds: the progress bar shows.
    cdp = marketer.context.new_cdp_session(marketer)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 64 * 1024},
    )
    big = image_file(tmp_path, "field-photo.png", noise=True, side=450)
    marketer.get_by_label("Attach files").set_input_files(big)
    send(marketer, "")
    progress = marketer.locator("#chat-upload")
    expect(progress).to_be_visible(timeout=LIVE)
    expect(marketer.locator("#chat-upload-text")).to_contain_text("% of")
    expect(progress).to_be_hidden(timeout=60_000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    expect(marketer.locator("#chat-log img[alt='Image: field-photo.png']")).to_be_visible(
        timeout=LIVE
    )
    assert path.startswith("/conversations/")
