"""Local stand-ins for Slack and Discord, checked against their published API descriptions."""
