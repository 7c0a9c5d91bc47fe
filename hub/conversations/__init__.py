"""Conversations: a partner's line to the OEM, with hand-offs, files and live updates.

Handlers: views (pages), api (JSON API), events (socket events), with forms and files
(file serving, upload limits). Rules: access (who sees what), service (conversations and
messages), reads, attachments, handoff, presence, context, reminders, links. Tables:
models. The demo data is hub/demo/conversations.py.
"""
