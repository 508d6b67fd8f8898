"""Outreach sources as the service sees them: the partners who pass a wave's survey on (a school's SENCO, a
charity, the parent forum, a GP surgery's poster), each with a short link of its own.

The registry is loaded once at start-up and kept in memory, like `WaveSet`; every change is written through
the store's one writer first, then into this view. A source records where a response came from, never anything
about the family. A retired source's link still opens the form, but responses are then stored without it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from surveyapp.store import Store
from surveyapp.store import sources as stored

# No 0/O, 1/I/L: a link copied from a poster by hand cannot be misread. 31 ** 8 is about 8.5e11 ids.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ID_LENGTH = 8
NAME_MAX = 80
SourceFile = Literal["qr.svg", "qr.png", "poster", "poster.pdf"]  # what the admin API serves for each source
_ID = re.compile(f"[{ALPHABET}]{{{ID_LENGTH}}}")


class SourceError(ValueError):
    """A change to the sources that cannot be made: `field` names what to fix, `status` is the HTTP status."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.status = field, message, status


@dataclass(frozen=True)
class Source:
    source_id: str
    wave_id: str
    name: str
    created_at: dt.datetime  # naive UTC
    retired_at: dt.datetime | None = None

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


def canonical_id(text: str) -> str | None:
    """A source id as typed or scanned (any case, spaces or dashes around it) in its stored form, or None
    when it cannot be one."""
    candidate = re.sub(r"[\s-]", "", text).upper()
    return candidate if _ID.fullmatch(candidate) else None


def clean_name(name: object) -> str:
    """A source's name trimmed and checked: 1 to NAME_MAX characters, no control characters."""
    if not isinstance(name, str):
        raise SourceError("name", 'give the name as text, e.g. {"name": "Oakfield School SENCO"}')
    text = unicodedata.normalize("NFC", name).strip()
    if not text:
        raise SourceError("name", "give the partner's name, e.g. Oakfield School SENCO (1 to 80 characters)")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text):
        raise SourceError("name", "remove the control characters (tabs, new lines, invisible marks) from the name")
    if len(text) > NAME_MAX:
        raise SourceError("name", f"shorten the name to {NAME_MAX} characters (it has {len(text)})")
    return text


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


class SourceSet:
    """Every wave's sources in memory; changes go through the store's writer, then into this view."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._sources: dict[str, Source] = {}
        self._lock = threading.Lock()  # handlers run in threads: one change at a time, so names stay unique

    def reload(self) -> None:
        self._sources = {r[0]: Source(*r) for r in stored.read_sources(self._store)}

    def get(self, source_id: str) -> Source | None:
        canonical = canonical_id(source_id)
        return None if canonical is None else self._sources.get(canonical)

    def of_wave(self, wave_id: str) -> list[Source]:
        """The wave's sources, oldest first, retired ones too."""
        return [s for s in self._sources.values() if s.wave_id == wave_id]

    def names(self) -> dict[str, str]:
        """Every source's id -> name."""
        return {s.source_id: s.name for s in self._sources.values()}

    def _taken(self, wave_id: str, name: str, but: str | None = None) -> bool:
        folded = name.casefold()
        return any(s.name.casefold() == folded and s.source_id != but for s in self.of_wave(wave_id))

    def create(self, wave_id: str, name: str, now: dt.datetime) -> Source:
        """Register a partner for the wave, with a new random id."""
        text = clean_name(name)
        with self._lock:
            if self._taken(wave_id, text):
                raise SourceError("name", f"{wave_id} already has a source called {text!r}; give this one "
                                          "another name (e.g. add the town or the team)", 409)
            source_id = self._new_id()
            source = Source(source_id, wave_id, text, _naive(now).replace(microsecond=0))
            stored.add_source(self._store, source.source_id, wave_id, text, source.created_at)
            self._sources[source_id] = source
        return source

    def _new_id(self) -> str:
        while True:
            source_id = "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))
            if source_id not in self._sources:
                return source_id

    def rename(self, source: Source, name: str) -> Source:
        text = clean_name(name)
        with self._lock:
            if self._taken(source.wave_id, text, but=source.source_id):
                raise SourceError("name", f"{source.wave_id} already has a source called {text!r}; choose "
                                          "another name", 409)
            stored.rename_source(self._store, source.source_id, text)
            renamed = self._sources[source.source_id] = replace(self._sources[source.source_id], name=text)
        return renamed

    def retire(self, source: Source, now: dt.datetime) -> Source:
        """From now on its link opens the form, but responses are stored without a source."""
        with self._lock:
            current = self._sources[source.source_id]
            if current.retired:
                raise SourceError("source_id", f"{current.source_id} was retired on {current.retired_at:%-d %B %Y}"
                                               " already", 409)
            when = _naive(now).replace(microsecond=0)
            stored.retire_source(self._store, source.source_id, when)
            retired = self._sources[source.source_id] = replace(current, retired_at=when)
        return retired
