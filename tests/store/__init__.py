"""Tests of the database layer (``bot/store``) on SQLite and, when configured, PostgreSQL."""
