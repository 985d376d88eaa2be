"""Adapters translate the core to a place where people chat: memory (tests), console,
Slack, Discord. Only adapters import platform libraries."""
