"""Tests of studybot: one folder per part of ``bot/``, plus the cross-cutting tests here."""
