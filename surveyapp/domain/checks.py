"""`surveyapp check`: what is wrong before going live, one line a problem, each with how to fix it.

The checks read the settings and look at the machine: the role tokens, the public address, TLS in front,
the data folder's permissions and free space, Chromium for the board pack's PDF, and a backup schedule.
`surveyapp serve` logs the same lines as warnings when it starts, so `make run` shows them too.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from surveyapp.render.browsers import CHROMIUMS
from surveyapp.settings import Settings

MIN_FREE_BYTES = 2 * 1024**3  # below this on the data disk, a wave's submissions and a few backups may not fit
BACKUP_SCHEDULE = "backup_schedule"  # the setting of scheduled backups (issue 25, item 4), when it exists
_TOKENS = {"admin_token": "manage waves, outreach sources and backups",
           "analyst_token": "export responses or read the report and results",
           "staff_token": "enter answers returned on paper or taken by phone"}


def _tokens(settings: Settings) -> list[str]:
    if not settings.role_tokens:  # named accounts only: the shared tokens are meant to be unset
        return []
    return [f"SURVEYAPP_{name.upper()} is unset, so nobody can {what} (401); run `make token`, or set it to "
            f"`openssl rand -hex 24`" for name, what in _TOKENS.items() if getattr(settings, name) is None]


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_address_missing(settings: Settings) -> str | None:
    """Why a poster or QR code cannot be made yet (SURVEYAPP_PUBLIC_URL unset, or a loopback address only this
    machine can open: a printed poster would carry a dead link), or None."""
    if settings.public_url is None:
        return ("SURVEYAPP_PUBLIC_URL is not set, so the link on a poster or QR code would point at "
                f"{settings.form_url}, which only this machine can open. Set it to the address families open, "
                "e.g. https://survey.kent.gov.uk, and restart the service")
    if _loopback(urlsplit(settings.public_url).hostname or ""):
        return (f"SURVEYAPP_PUBLIC_URL is {settings.public_url}, a loopback address only this machine can open, so "
                "a printed poster or QR code would carry a dead link. Set it to the address families open, e.g. "
                "https://survey.kent.gov.uk, and restart the service")
    return None


def _address_and_tls(settings: Settings) -> list[str]:
    if settings.public_url is None:
        return ["SURVEYAPP_PUBLIC_URL is unset, so links, QR codes and posters point at "
                f"{settings.form_url}, which only this machine can open; set it to the address families open, "
                "e.g. https://survey.kent.gov.uk"]
    found: list[str] = []
    parts = urlsplit(settings.public_url)
    if _loopback(parts.hostname or ""):
        found.append(f"SURVEYAPP_PUBLIC_URL is {settings.public_url}, a loopback address only this machine can "
                     "open; set it to the address families open, e.g. https://survey.kent.gov.uk")
    if parts.scheme != "https" and settings.behind_tls:
        found.append("SURVEYAPP_BEHIND_TLS is set, so session cookies are marked Secure, but SURVEYAPP_PUBLIC_URL "
                     "is http://: browsers will not send the cookies and staff cannot sign in; put TLS in front "
                     "and give the https:// address, or unset SURVEYAPP_BEHIND_TLS")
    elif parts.scheme != "https" and not found:
        found.append(f"SURVEYAPP_PUBLIC_URL is {settings.public_url}, not https://: families' answers and staff "
                     "tokens would cross the network readable; put a TLS proxy in front (docs/operations) and "
                     "give the https:// address")
    elif parts.scheme == "https" and not settings.behind_tls:
        found.append("SURVEYAPP_PUBLIC_URL is https:// but SURVEYAPP_BEHIND_TLS is unset, so session cookies are "
                     "not marked Secure and no HSTS is sent; set SURVEYAPP_BEHIND_TLS=1")
    return found


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _data_folder(data_dir: Path, min_free: int) -> list[str]:
    found: list[str] = []
    if data_dir.exists():
        mode = stat.S_IMODE(data_dir.stat().st_mode)
        if mode & 0o077:
            found.append(f"the data folder {data_dir} is {mode:o}, open to other users of this machine; run "
                         f"`chmod -R go-rwx {data_dir}`")
        if not os.access(data_dir, os.W_OK | os.X_OK):
            found.append(f"the data folder {data_dir} cannot be written by this user; give it to the user the "
                         f"service runs as (`chown -R <user> {data_dir}`)")
    elif not _existing(data_dir).is_dir() or not os.access(_existing(data_dir), os.W_OK | os.X_OK):
        found.append(f"the data folder {data_dir} does not exist and cannot be made by this user; create it for "
                     f"the user the service runs as (`install -d -m 700 -o <user> {data_dir}`)")
    free = shutil.disk_usage(_existing(data_dir)).free
    if free < min_free:
        found.append(f"the disk holding {data_dir} has {free / 1024**3:.1f} GiB free, under "
                     f"{min_free / 1024**3:.0f} GiB; free space there or move SURVEYAPP_DATA_DIR to a larger disk")
    return found


def _chromium(which: Callable[[str], str | None]) -> list[str]:
    if any(which(name) for name in CHROMIUMS):
        return []
    return ["Chromium is not installed, so the board pack (report.zip, `surveyapp report --pdf`) has no PDF; "
            "install it (Debian: `apt-get install chromium`, or `make browser`)"]


def _backups(settings: Settings) -> list[str]:
    names = {f.name for f in msgspec.structs.fields(Settings)}
    if BACKUP_SCHEDULE in names and getattr(settings, BACKUP_SCHEDULE):
        return []
    how = ("set SURVEYAPP_BACKUP_SCHEDULE" if BACKUP_SCHEDULE in names else
           "take them with `surveyapp backup` from cron or a systemd timer (docs/operations)")
    return [f"backups are not scheduled, so a lost disk loses every response; {how}, and copy them off the machine"]


def problems(settings: Settings, *, min_free: int | None = None,
             which: Callable[[str], str | None] | None = None) -> list[str]:
    """Every problem found, one line each, saying how to fix it; empty when ready to go live."""
    return [*_tokens(settings), *_address_and_tls(settings),
            *_data_folder(settings.data_dir, MIN_FREE_BYTES if min_free is None else min_free),
            *_chromium(which or shutil.which), *_backups(settings)]
