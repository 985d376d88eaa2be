"""Tests of the file formats and the calendar (``bot/domain``)."""
