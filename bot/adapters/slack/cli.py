"""``studybot slack ...``: the Slack command group (added to ``studybot`` in bot/cli.py)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import typer

from bot.adapters.slack.settings import EVENTS_PATH

slack_app = typer.Typer(
    help="Slack: the app manifest to create studybot's Slack app.", no_args_is_help=True
)


def _request_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise typer.BadParameter(
            "Slack only sends requests to https:// addresses", param_hint="--url"
        )
    # A bare host means the bot's own path, which is where `studybot run` listens.
    return url.rstrip("/") + EVENTS_PATH if parts.path in ("", "/") else url


@slack_app.command("manifest")
def manifest_command(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            metavar="HTTPS_URL",
            help="Receive Slack's requests over HTTP at this public address (e.g. "
            "https://study.example.org/slack/events). Without it the manifest uses Socket Mode, "
            "which needs no public address.",
        ),
    ] = None,
    name: Annotated[
        str, typer.Option("--name", help="The app's and the bot user's name in Slack.")
    ] = "studybot",
) -> None:
    """Print the Slack app manifest (YAML): paste it at api.slack.com/apps > From a manifest."""
    from bot.adapters.slack.manifest import manifest_yaml

    typer.echo(manifest_yaml(name=name, request_url=_request_url(url) if url else None), nl=False)
