"""Tests of the runtime (``bot/runtime``): the ticker that drives delivery."""
