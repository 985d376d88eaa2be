"""Tests of the formula renderer and its command."""
