"""``python -m bot`` is the same as the ``studybot`` command."""

from bot.cli.app import main

main()
