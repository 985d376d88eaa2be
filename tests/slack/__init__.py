"""Tests of the Slack adapter against a local Slack (tests/standins/slack_server.py)."""
