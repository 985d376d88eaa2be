"""Renderers turn a neutral ``bot.core.models.Message`` into what one place can show: the
terminal here, Block Kit and embeds when the Slack and Discord adapters arrive."""
