"""studybot: a study-group organizer for Slack and Discord.

The folders are the layers, from the outside in: ``cli`` (the command) -> ``runtime`` (settings,
the composition root) and ``adapters`` (Slack, Discord, console, memory) -> ``core`` (the
platform-neutral bot) -> ``store`` (the database) -> ``domain`` (file formats, the calendar).
Imports only point inward; ``tests/test_architecture.py`` keeps it so.
"""
