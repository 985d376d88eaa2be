"""``studybot discord ...``: the commands a server admin needs to add the bot."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Set studybot up on a Discord server.", no_args_is_help=True)


@app.command("invite-url")
def invite_url(
    ctx: typer.Context,
    client_id: Annotated[
        str | None,
        typer.Option(
            "--client-id",
            help="The application id (Developer Portal, General Information). Default: read "
            "from DISCORD_BOT_TOKEN, which starts with it.",
        ),
    ] = None,
) -> None:
    """Print the link that adds studybot to a server, with exactly the permissions it uses."""
    from bot.adapters.discord import access  # discord.py is loaded only when it is needed
    from bot.adapters.discord.settings import application_id_from_token

    environ = ctx.obj.environ if ctx.obj is not None else {}  # the studybot command's Settings
    application = client_id or application_id_from_token(environ.get("DISCORD_BOT_TOKEN", ""))
    if not application or not application.isdigit():
        typer.echo(
            "Give the application id with --client-id (Developer Portal, your application, "
            "General Information, Application ID), or set DISCORD_BOT_TOKEN.",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(access.invite_url(application))
    typer.echo("")
    typer.echo(f"Scopes: {', '.join(access.SCOPES)}. Permissions:")
    for name, why in access.PERMISSIONS.items():
        typer.echo(f"  {access.describe(name):<26}{why}")
    typer.echo("Also switch on, under Bot, Privileged Gateway Intents: Message Content Intent")
    typer.echo("(to read answers in threads) and Server Members Intent (members who leave).")
