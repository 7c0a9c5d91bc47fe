"""Calls happen in conversations: the conversation fixtures, shared with tests/hub/conversations."""

from tests.hub.conversations.conftest import balers, covered, open_socket, say, start, tab

__all__ = ["balers", "covered", "open_socket", "say", "start", "tab"]
