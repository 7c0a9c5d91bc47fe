"""Tests of conversations: rules, pages, API, socket events, reliability (hub/conversations*)."""
