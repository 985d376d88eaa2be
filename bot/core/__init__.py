"""The platform-neutral bot. Nothing in here imports slack_bolt, slack_sdk or discord."""
