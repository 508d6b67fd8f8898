"""Settings, read once from SURVEYAPP_* environment variables (each described in DESCRIPTIONS, from which the docs'
settings reference, docs/operations/settings.md, is generated)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

import msgspec

import waves

DEFINITIONS_DIR = Path(waves.__file__).parent / "definitions"  # waves.loader's default, without loading it


class SettingsError(ValueError):
    """A setting has a value the service cannot use."""


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    data_dir: Path = Path("data")
    definitions_dir: Path = DEFINITIONS_DIR
    area_pack: str = "kent_medway"
    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: str | None = None
    analyst_token: str | None = None
    staff_token: str | None = None  # staff entering paper and phone answers
    small_number_threshold: int = 10
    batch_max: int = 512  # submissions per group commit, at most
    max_body_bytes: int = 64 * 1024
    rate_limit_per_minute: int = 60  # submissions (and new form drafts) per client per minute; 0 turns it off
    rate_limit_per_hour: int = 300  # and per hour (a school event, not a flood); 0 leaves only the minute's
    trusted_proxy_header: str | None = None  # e.g. "X-Forwarded-For", only behind a proxy you run
    trusted_proxy_hops: int = 1  # how many proxies of yours each append an address to that header
    max_responses_per_code: int = 3  # stored responses per return code per wave
    header_timeout_seconds: float = 10.0  # a connection without complete headers by then is closed (408)
    max_connections_per_client: int = 100  # open connections per address (not behind a trusted proxy); 0: no cap
    max_connections: int = 1000  # open connections in all, within the file-descriptor limit
    boundaries: Path | None = None  # GeoJSON of LAD boundaries for real maps
    ehc_plans: Path | None = None  # DfE EHC plan caseload CSV: reach's expected shares by ethnic group and age
    behind_tls: bool = False  # send HSTS
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"  # one JSON object a line (operations), or plain text (developers)
    metrics_token: str | None = None  # bearer token for GET /metrics (Prometheus); the admin token works too
    url: str = "http://127.0.0.1:8000"  # where the CLI finds a running service
    form_min_seconds: float = 3.0  # the families' form: sent sooner after its first page, asked to check and send again
    languages: str = "en,en-easy"  # the form's languages offered (comma-separated), of those it has catalogues for
    public_url: str | None = None  # the address families reach the form at (sources' links, QR codes, posters)
    contact: str | None = None  # posters: whom to ask for a paper copy or to answer by phone
    paper_return_address: str | None = None  # where paper forms go back, printed at their end; ";" between lines
    session_hours: float = 8.0  # a browser session (/sign-in) lasts this long, then asks to sign in again
    sign_in_attempts_per_hour: int = 20  # wrong tokens per client per hour at /sign-in (5 a minute at most); 0: off
    pdf_renders: int = 2  # PDFs (board report, posters) printed at once by headless Chromium; more answer 503
    demo: bool = False  # the data are invented (`make demo`): pages and files say "demo data"
    backup_schedule: str | None = None  # "02:00" (daily, UK time): the service backs itself up; unset, it does not
    backup_keep: str = "7 daily, 4 weekly, 12 monthly"  # which scheduled backups are kept, here and off the machine
    backup_remote: str | None = None  # rclone's remote:path each scheduled backup is copied to
    backup_key_remote: str | None = None  # another rclone remote:path for the return-code key, apart from the data
    rclone_config: Path | None = None  # rclone's configuration file (its remotes and their credentials)
    role_tokens: bool = True  # the shared role tokens sign in and work as bearer tokens; off once named admins exist
    api_token: str | None = None  # the CLI's personal API token (sva_...), sent for every role
    oidc_issuer: str | None = None  # OpenID Connect single sign-on: the provider's issuer URL
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_provider_name: str = "your organisation's account"  # on the sign-in button: "Sign in with ..."
    oidc_subject_claim: str = "sub"  # the claim naming the person stably (Entra ID: oid)
    oidc_email_claim: str = "email"
    oidc_email_verified_claim: str = "email_verified"  # true when the provider vouches for it (Entra ID: xms_edov)
    oidc_groups_claim: str | None = None  # roles from this claim's groups, as oidc_group_roles maps them
    oidc_group_roles: str | None = None  # "admin=<group id>, analyst=<group id>, staff=<group id>"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "surveyapp.duckdb"

    @property
    def form_url(self) -> str:
        """The public address of the service (SURVEYAPP_PUBLIC_URL), else where it listens, without a final /."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def secret_key_path(self) -> Path:
        return self.data_dir / "secrets" / "return-code.key"


_TYPES = {f.name: f.type for f in msgspec.structs.fields(Settings)}

# What each setting means, for whoever runs the service: the docs' settings table is generated from these (cog).
DESCRIPTIONS: dict[str, str] = {
    "demo": "`1` when the data are invented (`make demo` sets it): every page, the board pack and file names say "
            "\"demo data\"; off by default",
    "data_dir": "where the database (`surveyapp.duckdb`), `secrets/` and `backups/` live; the CLI's `--data-dir` "
                "overrides it",
    "definitions_dir": "the questionnaire and wave definitions (TOML); by default the package's own "
                       "`waves/definitions`",
    "area_pack": "the area pack: a name under `waves/areas/`, or a path (with a `/`) to a pack folder of your own "
                 "with the same files (`lads.csv`, `districts.csv`, `census2021.csv`, `tiles.csv`, `pack.toml`, "
                 "`ATTRIBUTION.md`)",
    "host": "where `surveyapp serve` listens (`--host` overrides it)",
    "port": "the port `surveyapp serve` listens on (`--port` overrides it)",
    "admin_token": "bearer token of the admin role (waves, outreach sources, backups); unset, admin endpoints always "
                   "answer 401. At least 24 characters, of 8 or more different ones, and not another role's token, "
                   "or nothing starts: `make token` makes all three (or one with `openssl rand -hex 24`)",
    "analyst_token": "bearer token of the analyst role (exports, compare, cohort, reach, the tracker and "
                     "`/results`); unset, they answer 401. The same rules as the admin token",
    "staff_token": "bearer token of staff who enter answers returned on paper or taken by phone (the only role, "
                   "with admin, that may set a response's `channel`); the same rules as the admin token",
    "small_number_threshold": "a published row whose base (responses, answers on the scale, or pairs) is under "
                              "it shows no figures; every published count is also rounded to base 5",
    "batch_max": "most submissions in one group commit",
    "max_body_bytes": "larger request bodies are refused with 413 before they are read",
    "pdf_renders": "PDFs (the board report's, posters) printed at once with headless Chromium, each a few Chromium "
                   "processes and up to about 150 MB; a PDF asked for while this many are printing is answered "
                   "503 with `Retry-After`, and nothing is queued",
    "rate_limit_per_minute": "submissions per client per minute (five dozen parents at a school event on one shared "
                             "address); only submissions that are stored, or refused by the store (409), count, and "
                             "each new form draft; requests with the staff or admin token never count; `0` turns "
                             "the limit off (benchmarks)",
    "rate_limit_per_hour": "and at most this many per client over an hour, so one address cannot keep up 60 a "
                           "minute (150 families an hour through the form, each a draft and a sending); `0` leaves "
                           "only the minute's limit",
    "trusted_proxy_header": "e.g. `X-Forwarded-For`: take the client address from this header, only when a proxy "
                            "you run sets it",
    "trusted_proxy_hops": "how many proxies of yours each append an address to that header; the client is that "
                          "many addresses from the right, counting every line of the header",
    "max_responses_per_code": "stored responses per return code per wave (a family may answer for more than one "
                              "child)",
    "header_timeout_seconds": "`surveyapp serve` closes (408) a connection that has not sent a complete request "
                              "line and headers this long after it opened, or after its last response",
    "max_connections_per_client": "open connections one address may hold; more are answered 503 and closed at "
                                  "once. Not applied behind a trusted proxy (every connection is the proxy's): use "
                                  "nginx's `limit_conn` there; `0` turns it off",
    "max_connections": "open connections in all (and never more than the file-descriptor limit less 64); more are "
                       "answered 503 and closed at once",
    "boundaries": "a GeoJSON of LAD boundaries for real maps (e.g. "
                  "`../shared/reference/kent-medway/kent_medway_lad_may2024_buc.geojson`); unset, tile maps",
    "ehc_plans": "DfE's EHC plan caseload CSV (e.g. "
                 "`../shared/reference/kent-medway/dfe_ehcp_caseload_kent_medway_2019_2025.csv`): reach's expected "
                 "shares by ethnic group, child's age band and upper-tier authority, and weighting with "
                 "`targets=ehc_plans`; unset, ethnic group falls back to Census 2021 all ages, Kent against "
                 "Medway to children 0-17, and `targets=ehc_plans` is refused",
    "behind_tls": "send HSTS, and mark the session cookie Secure (set when a TLS-terminating proxy is in front)",
    "log_level": "`DEBUG` also shows tracebacks from CLI errors and the HTTP client's own log lines",
    "log_format": "`json` (the default): one JSON object a line on standard error, with `time` (UTC, ending `Z`), "
                  "`level`, `logger`, `event` and, while a request is served, its `request_id`; `text`: one plain "
                  "line a record, for a developer's terminal (docs/operations/monitoring.md)",
    "metrics_token": "bearer token Prometheus sends to scrape `GET /metrics` (the admin token is accepted too); "
                     "unset, only the admin token reads it. The same rules as the admin token",
    "url": "where CLI commands find the running service when it holds the database (`make cli` sets it from "
           "`HOST` and `PORT`)",
    "form_min_seconds": "a form sent sooner than this after its first page was saved is asked to check and send "
                        "again; nothing is stored. Not applied to staff mode",
    "languages": "the form's languages, comma-separated (English is always offered); `pl`, `ro` and `ur` are "
                 "drafts awaiting a qualified translator, offered only when listed, e.g. `en,en-easy,pl,ro,ur`",
    "public_url": "the address families open, e.g. `https://survey.kent.gov.uk` (`http://` or `https://`, no "
                  "query): outreach sources' links, QR codes and posters are made from it; unset, "
                  "`http://HOST:PORT`, which only works on this machine",
    "contact": "what posters say to whoever prefers paper or phone, e.g. `Call 03000 41 41 41 or email "
               "sendsurvey@kent.gov.uk for a paper copy.`; unset, they say to ask the partner named on the poster",
    "paper_return_address": "where paper questionnaires go back, printed at their end, lines separated by `;` "
                            "(`SEND Survey; FREEPOST RTXX-1234; Maidstone ME14 1XQ`); unset, the paper says to give "
                            "it back to whoever handed it out",
    "session_hours": "how long a browser session started at `/sign-in` lasts (more than 0, at most 168); then the "
                     "browser is asked to sign in again",
    "sign_in_attempts_per_hour": "wrong tokens one client may try at `/sign-in` in an hour (and 5 a minute at "
                                 "most); over it, even a right token waits (429). Right tokens and empty boxes cost "
                                 "nothing; `0` turns the limit off",
    "backup_schedule": "the time of day (UK time, `HH:MM`) the service backs itself up, e.g. `02:00`: daily, "
                       "each backup verified by opening it, then pruned by `SURVEYAPP_BACKUP_KEEP` and copied off the "
                       "machine when `SURVEYAPP_BACKUP_REMOTE` is set; `/healthz` says when the last is late. Unset "
                       "(the default), no backup is taken by itself ([Backups](backups.md))",
    "backup_keep": "which backups in `<data dir>/backups/` (and on `SURVEYAPP_BACKUP_REMOTE`) the schedule keeps: "
                   "the newest of each of the last N days, weeks and months that have one, e.g. `7 daily, 4 weekly, "
                   "12 monthly` (the default); the others are deleted after each scheduled backup",
    "backup_remote": "where rclone copies each scheduled backup and its manifest, as `remote:path` of a remote in "
                     "`SURVEYAPP_RCLONE_CONFIG` (S3-compatible, SFTP, or any rclone backend); unset, backups stay "
                     "on this machine. The return-code key is never sent there",
    "backup_key_remote": "where rclone copies the return-code key each backup needs, as `remote:path` of another "
                         "remote than `SURVEYAPP_BACKUP_REMOTE`'s (other credentials, other hands); unset, keep a "
                         "copy of `secrets/return-code.key` somewhere safe yourself",
    "rclone_config": "rclone's configuration file, which names the remotes and holds their credentials (`rclone "
                     "config` writes one; keep it `0600`); unset, rclone's own default",
    "role_tokens": "`0` turns the shared role tokens off (`SURVEYAPP_ADMIN_TOKEN`, `SURVEYAPP_ANALYST_TOKEN`, "
                   "`SURVEYAPP_STAFF_TOKEN`): they then neither sign in nor work as bearer tokens, and everyone signs "
                   "in with a named account. On by default, so that the first admin can sign in and create the "
                   "accounts ([Named accounts](accounts.md))",
    "api_token": "a personal API token (`sva_...`, made at `/account/tokens`) that the CLI sends to a running "
                 "service, for every role the token's account holds; the role tokens are sent when it is unset",
    "oidc_issuer": "single sign-on: the OpenID provider's issuer, e.g. `https://login.microsoftonline.com/<tenant "
                   "id>/v2.0` for Entra ID; its `/.well-known/openid-configuration` is read at the first sign-in. "
                   "Needs `SURVEYAPP_PUBLIC_URL` (the redirect URI is `<public URL>/sign-in/oidc/callback`) and the "
                   "client id and secret ([Connecting Entra ID](entra-id.md))",
    "oidc_client_id": "the application (client) id the provider gave this service",
    "oidc_client_secret": "the client secret the provider gave this service (keep it out of logs and backups)",
    "oidc_provider_name": "what the sign-in button says after \"Sign in with\", e.g. `your Kent County Council "
                          "account`",
    "oidc_subject_claim": "the ID token's claim that names the person for good: `sub` (the default), or `oid` for "
                          "Entra ID (the same person in every app of the tenant)",
    "oidc_email_claim": "the ID token's claim with the person's e-mail address, matched (once) against the "
                        "accounts an admin made; `email` by default",
    "oidc_email_verified_claim": "the claim that is `true` when the provider vouches for the address: "
                                 "`email_verified` (the default); for Entra ID, `xms_edov` (an optional claim). An "
                                 "address not vouched for is never matched",
    "oidc_groups_claim": "roles from the provider's groups: the claim listing them (`groups` for Entra ID); unset, "
                         "roles come only from the accounts list",
    "oidc_group_roles": "with `SURVEYAPP_OIDC_GROUPS_CLAIM`: which group gives which role, e.g. `admin=<group id>, "
                        "analyst=<group id>, staff=<group id>` (a role may be listed more than once)",
}
MIN_TOKEN_LENGTH = 24
MIN_TOKEN_SYMBOLS = 8  # distinct characters: "x" * 40 is long but guessable
_HOW_TO_MAKE = "`make token` makes both, or make one with `openssl rand -hex 24` (48 random hex characters)"


def check(settings: Settings) -> Settings:
    """Refuse settings the service must not start with; the message names the variable and the fix.

    Bearer tokens: unset is allowed (those endpoints then answer 401), but a set token must be at least
    MIN_TOKEN_LENGTH characters of MIN_TOKEN_SYMBOLS or more distinct ones, and the roles' tokens must differ
    (else the admin token would read responses). The token itself is never repeated in the message.
    """
    tokens = {"SURVEYAPP_ADMIN_TOKEN": settings.admin_token, "SURVEYAPP_ANALYST_TOKEN": settings.analyst_token,
              "SURVEYAPP_STAFF_TOKEN": settings.staff_token, "SURVEYAPP_METRICS_TOKEN": settings.metrics_token}
    for variable, token in tokens.items():
        if token is None:
            continue
        if len(token) < MIN_TOKEN_LENGTH:
            raise SettingsError(f"{variable}: the token has {len(token)} characters; use at least "
                                f"{MIN_TOKEN_LENGTH} random ones: {_HOW_TO_MAKE}")
        if len(set(token)) < MIN_TOKEN_SYMBOLS:
            raise SettingsError(f"{variable}: the token repeats a few characters and is easy to guess; "
                                f"{_HOW_TO_MAKE}")
    if settings.header_timeout_seconds <= 0:
        raise SettingsError("SURVEYAPP_HEADER_TIMEOUT_SECONDS: give the seconds a client has to send a request's "
                            "headers, more than 0 (default 10)")
    if settings.max_connections < 1 or settings.max_connections_per_client < 0:
        raise SettingsError("SURVEYAPP_MAX_CONNECTIONS must be at least 1, and SURVEYAPP_MAX_CONNECTIONS_PER_CLIENT "
                            "at least 0 (0 turns the per-client cap off)")
    if settings.pdf_renders < 1:
        raise SettingsError("SURVEYAPP_PDF_RENDERS: give how many PDFs may be printed at once, 1 or more (2 is the "
                            "default; each is a few Chromium processes)")
    if settings.trusted_proxy_hops < 1:
        raise SettingsError("SURVEYAPP_TRUSTED_PROXY_HOPS: count the proxies you run in front of the service "
                            "that each append to SURVEYAPP_TRUSTED_PROXY_HEADER (at least 1; usually 1, nginx)")
    if settings.public_url is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", settings.public_url):
        raise SettingsError("SURVEYAPP_PUBLIC_URL: give the address families open, with http:// or https:// and no "
                            "query, e.g. https://survey.kent.gov.uk (sources' links and QR codes are made from it)")
    if not 0 < settings.session_hours <= 24 * 7:
        raise SettingsError("SURVEYAPP_SESSION_HOURS: give how many hours a browser session lasts, more than 0 and "
                            "at most 168 (a week); default 8, a working day")
    if settings.sign_in_attempts_per_hour < 0:
        raise SettingsError("SURVEYAPP_SIGN_IN_ATTEMPTS_PER_HOUR: give how many wrong tokens one client may try in "
                            "an hour, at least 0 (0 turns the limit off; default 20)")
    _check_backups(settings)
    _check_oidc(settings)
    named = [(variable, token) for variable, token in tokens.items() if token is not None]
    for i, (first, token) in enumerate(named):
        for second, other in named[i + 1:]:
            if token == other:
                raise SettingsError(f"{first} and {second} are the same; each role needs a different token, or "
                                    f"one role could do another's work (the admin token read responses): "
                                    f"{_HOW_TO_MAKE}")
    return settings


_REMOTE = re.compile(r"^([A-Za-z0-9_][-A-Za-z0-9_. ]*):(.*)$")


def _check_backups(settings: Settings) -> None:
    """The scheduled backups' settings: their form here, their meaning in surveyapp.domain.backups."""
    from surveyapp.domain.schedule import ScheduleError, parse_keep, parse_schedule

    try:
        parse_schedule(settings.backup_schedule)
        parse_keep(settings.backup_keep)
    except ScheduleError as exc:
        raise SettingsError(str(exc)) from None
    remotes = {"SURVEYAPP_BACKUP_REMOTE": settings.backup_remote,
               "SURVEYAPP_BACKUP_KEY_REMOTE": settings.backup_key_remote}
    for variable, remote in remotes.items():
        if remote is not None and not _REMOTE.match(remote):
            raise SettingsError(f"{variable}: give an rclone remote and path as remote:path, e.g. "
                                "offsite:survey-backups (a remote named in SURVEYAPP_RCLONE_CONFIG)")
    if settings.backup_remote is not None and settings.backup_schedule is None:
        raise SettingsError("SURVEYAPP_BACKUP_REMOTE is set but SURVEYAPP_BACKUP_SCHEDULE is not: set the time of "
                            "day to back up, e.g. 02:00, or nothing is sent")
    if settings.backup_key_remote is not None and settings.backup_remote is None:
        raise SettingsError("SURVEYAPP_BACKUP_KEY_REMOTE is set without SURVEYAPP_BACKUP_REMOTE: set where the "
                            "backups go too")
    if settings.backup_remote is not None and settings.backup_key_remote is not None:
        data_remote, key_remote = (r.split(":", 1)[0] for r in (settings.backup_remote, settings.backup_key_remote))
        if data_remote == key_remote:
            raise SettingsError("SURVEYAPP_BACKUP_KEY_REMOTE: the key must go to another rclone remote than "
                                f"SURVEYAPP_BACKUP_REMOTE's ({data_remote}:), or whoever reads the backups could "
                                "also link every return code in them")


def group_roles(settings: Settings) -> list[tuple[str, str]]:
    """SURVEYAPP_OIDC_GROUP_ROLES as (role, group id) pairs."""
    pairs = []
    for item in (settings.oidc_group_roles or "").split(","):
        role, equals, group = (part.strip() for part in item.partition("="))
        if item.strip() and (not equals or role not in ("admin", "analyst", "staff") or not group):
            raise SettingsError("SURVEYAPP_OIDC_GROUP_ROLES: give role=group pairs separated by commas, e.g. "
                                "admin=1b2c..., analyst=3d4e... (roles: admin, analyst, staff)")
        if item.strip():
            pairs.append((role, group))
    return pairs


def _check_oidc(settings: Settings) -> None:
    if settings.oidc_issuer is None:
        return
    if not re.fullmatch(r"https://[^\s?#]+|http://(127\.0\.0\.1|localhost)(:\d+)?(/[^\s?#]*)?", settings.oidc_issuer):
        raise SettingsError("SURVEYAPP_OIDC_ISSUER: give the provider's issuer with https://, e.g. "
                            "https://login.microsoftonline.com/<tenant id>/v2.0")
    if not settings.oidc_client_id or not settings.oidc_client_secret:
        raise SettingsError("SURVEYAPP_OIDC_ISSUER is set: set SURVEYAPP_OIDC_CLIENT_ID and "
                            "SURVEYAPP_OIDC_CLIENT_SECRET too (the provider's app registration gives both)")
    if bool(settings.oidc_groups_claim) != bool(group_roles(settings)):
        raise SettingsError("SURVEYAPP_OIDC_GROUPS_CLAIM and SURVEYAPP_OIDC_GROUP_ROLES go together: set both "
                            "(roles from groups) or neither (roles from the accounts list)")


def from_env(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from SURVEYAPP_<NAME> variables; a bad value (or a weak token) names the variable."""
    environ = dict(os.environ if environ is None else environ)
    raw: dict[str, object] = {}
    for name in _TYPES:
        value = environ.get(f"SURVEYAPP_{name.upper()}")
        if value is not None and value != "":
            raw[name] = value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = msgspec.convert(raw, Settings, strict=False, dec_hook=_decode_path)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("`$.", 1)[-1].rstrip("`") if "`$." in message else "?"
        raise SettingsError(f"SURVEYAPP_{field.upper()}: {message.split(' - at ')[0]}") from None
    return check(settings)


def _decode_path(kind: type, value: object) -> object:
    if kind is Path and isinstance(value, str | Path):
        return Path(value)
    raise NotImplementedError


def variables() -> list[str]:
    """Every environment variable the service reads."""
    return [f"SURVEYAPP_{name.upper()}" for name in _TYPES]
