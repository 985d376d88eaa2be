"""Tests of the platform-neutral bot (``bot/core``): grammar, commands and delivery."""
