"""Tests of the Discord adapter against a local Discord (tests/standins/discord_server.py)."""

import warnings

# discord.py's voice support imports audioop, deprecated since Python 3.11; studybot has no
# voice, and the warning says nothing about this project.
warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
