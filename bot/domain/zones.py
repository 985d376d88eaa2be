"""Time zones as people write them, checked against the IANA database.

A group meets at the same local time all year, so its zone must follow the local daylight-saving
rules: ``Europe/Berlin``, not ``CET`` (fixed at UTC+1, an hour off all summer). Abbreviations and
fixed offsets are refused with the IANA zones they usually mean; ``UTC`` itself is accepted for
groups that really want a fixed clock. Used by schedule files and by ``/study start ... tz``.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from functools import cache

from bot.domain.errors import InputError

# Abbreviations (and the old POSIX-style names) -> the IANA zones people usually mean by them.
_MEANT: dict[str, tuple[str, ...]] = {
    "EST": ("America/New_York", "America/Toronto"),
    "EDT": ("America/New_York", "America/Toronto"),
    "EST5EDT": ("America/New_York",),
    "ET": ("America/New_York",),
    "CST": ("America/Chicago", "America/Mexico_City", "Asia/Shanghai"),
    "CDT": ("America/Chicago", "America/Mexico_City"),
    "CST6CDT": ("America/Chicago",),
    "CT": ("America/Chicago",),
    "MST": ("America/Denver", "America/Phoenix"),
    "MDT": ("America/Denver",),
    "MST7MDT": ("America/Denver",),
    "MT": ("America/Denver",),
    "PST": ("America/Los_Angeles", "America/Vancouver"),
    "PDT": ("America/Los_Angeles", "America/Vancouver"),
    "PST8PDT": ("America/Los_Angeles",),
    "PT": ("America/Los_Angeles",),
    "AKST": ("America/Anchorage",),
    "AKDT": ("America/Anchorage",),
    "HST": ("Pacific/Honolulu",),
    "AST": ("America/Halifax", "Asia/Riyadh"),
    "NST": ("America/St_Johns",),
    "BRT": ("America/Sao_Paulo",),
    "ART": ("America/Argentina/Buenos_Aires",),
    "GMT": ("Europe/London", "UTC"),
    "BST": ("Europe/London",),
    "IST": ("Asia/Kolkata", "Europe/Dublin"),
    "WET": ("Europe/Lisbon",),
    "WEST": ("Europe/Lisbon",),
    "CET": ("Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Rome"),
    "CEST": ("Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Rome"),
    "MET": ("Europe/Berlin", "Europe/Paris"),
    "MEST": ("Europe/Berlin", "Europe/Paris"),
    "EET": ("Europe/Athens", "Europe/Helsinki", "Europe/Kyiv"),
    "EEST": ("Europe/Athens", "Europe/Helsinki", "Europe/Kyiv"),
    "MSK": ("Europe/Moscow",),
    "SAST": ("Africa/Johannesburg",),
    "WAT": ("Africa/Lagos",),
    "EAT": ("Africa/Nairobi",),
    "PKT": ("Asia/Karachi",),
    "SGT": ("Asia/Singapore",),
    "HKT": ("Asia/Hong_Kong",),
    "JST": ("Asia/Tokyo",),
    "KST": ("Asia/Seoul",),
    "AWST": ("Australia/Perth",),
    "ACST": ("Australia/Adelaide",),
    "ACDT": ("Australia/Adelaide",),
    "AEST": ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane"),
    "AEDT": ("Australia/Sydney", "Australia/Melbourne"),
    "NZST": ("Pacific/Auckland",),
    "NZDT": ("Pacific/Auckland",),
}
_GMT_NAMES = {"GMT0", "GMT+0", "GMT-0", "GREENWICH", "ETC/GMT", "ETC/GMT0", "ETC/GMT+0"}
_GMT_NAMES |= {"ETC/GMT-0", "ETC/GREENWICH"}
_SERVER_DEPENDENT = {"LOCALTIME", "FACTORY"}
# UTC+1, GMT-05:00, Etc/GMT-1, +02, UTC +2 ...: a fixed offset (Etc/GMT-1 means UTC+1).
_OFFSET = re.compile(r"(?i)^(?:etc/)?(?:utc|gmt|ut|z)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")

EXAMPLES = "Europe/Berlin, America/New_York or Asia/Tokyo"


@cache
def _by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone ``name`` means (any letter case; its canonical name is ``zone.key``).

    Raises InputError with a plain sentence for an unknown name, and for an abbreviation or fixed
    offset (EST, CET, UTC+1, Etc/GMT-1 ...), naming the IANA zones meant: those ignore daylight
    saving time, so a group would meet an hour off for half the year. UTC itself is accepted."""
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise InputError(f"write an IANA time zone such as {EXAMPLES}")
    upper = text.upper()
    if upper in _MEANT:
        raise InputError(_abbreviation(text, _MEANT[upper]))
    if upper in _GMT_NAMES:
        raise InputError(_abbreviation(text, _MEANT["GMT"]))
    if upper in _SERVER_DEPENDENT:
        raise InputError(f"{text} depends on the server; write an IANA zone such as {EXAMPLES}")
    offset = _OFFSET.match(text)
    if offset:
        raise InputError(_fixed_offset(text, offset))
    canonical = _by_folded_name().get(text.casefold())
    if canonical is None:
        hint = difflib.get_close_matches(text, sorted(_by_folded_name().values()), n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else f"; write one such as {EXAMPLES}"
        raise InputError(f"unknown time zone {text!r}{suffix}")
    return zoneinfo.ZoneInfo(canonical)


def _abbreviation(text: str, meant: tuple[str, ...]) -> str:
    choices = " or ".join(meant) if len(meant) <= 2 else ", ".join(meant[:-1]) + " or " + meant[-1]
    return (
        f"{text} is an abbreviation with a fixed offset and no daylight saving time; "
        f"write the zone where the group meets, e.g. {choices}"
    )


def _fixed_offset(text: str, offset: re.Match[str]) -> str:
    sign, hours, minutes = offset.group(1), int(offset.group(2)), offset.group(3)
    if text.upper().startswith("ETC/"):
        sign = "-" if sign == "+" else "+"  # POSIX: Etc/GMT-1 is one hour *ahead* of UTC
    shown = f"UTC{sign}{hours}" + (f":{minutes}" if minutes and minutes != "00" else "")
    return (
        f"{text} is a fixed offset ({shown}) with no daylight saving time; "
        f"write the zone where the group meets, e.g. {EXAMPLES} (or UTC for no offset at all)"
    )
