"""What families wrote (Q7a): comments masked by default, the questionnaire's codebook (versioned), coding into
themes, and the theme tags the exports and theme counts read.

Read functions other features build on (names kept stable): `codebook`, `codebook_history`, `comments`,
`theme_tags`, `theme_columns`. Writes: `edit_codebook`, `code`, `draw_sample`, `add_setting_names`,
`remove_setting_name`. Agreement and suggestions are `surveyapp.actions.coding`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

import polars as pl

from surveyapp.actions.schemas_comments import (
    CodebookIn,
    CodebookOut,
    CodingIn,
    CodingOut,
    CommentOut,
    SampleOut,
    SettingNamesOut,
    ThemeOut,
)
from surveyapp.comments.errors import CommentsError
from surveyapp.comments.masking import Masker
from surveyapp.comments.themes import DEFAULT_NOTE, DEFAULT_THEMES
from surveyapp.domain.services import Services, WaveNotFound
from surveyapp.store import comments as stored


def _now(services: Services) -> dt.datetime:
    return services.clock().astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)


def questionnaire_of(services: Services, wave_id: str) -> str:
    """The questionnaire id a wave asks (WaveNotFound: a 404 naming the wave)."""
    wave = services.waves.get(wave_id)
    if wave is None:
        raise WaveNotFound(wave_id)
    return wave.questionnaire.id


def _known_questionnaire(services: Services, questionnaire_id: str) -> None:
    known = sorted({w.questionnaire.id for w in services.waves.all()})
    if questionnaire_id not in known:
        raise CommentsError("questionnaire_id", f"there is no questionnaire {questionnaire_id[:64]!r}; use one of "
                                                f"{', '.join(known)}", 404)


def _codebook_out(services: Services, questionnaire_id: str, row: dict[str, Any]) -> CodebookOut:
    themes = stored.codebook_themes(services.store, questionnaire_id, row["version"])
    return CodebookOut(questionnaire_id=questionnaire_id, version=row["version"], note=row["note"],
                       made_by=row["made_by"], made_at=row["made_at"].replace(tzinfo=dt.UTC),
                       themes=[ThemeOut(id=t["theme_id"], label=t["label"], description=t["description"])
                               for t in themes])


def _versions(services: Services, questionnaire_id: str) -> list[dict[str, Any]]:
    """The codebook's versions; the 2019 report's themes stored as version 1 the first time one is asked for."""
    versions = stored.codebook_versions(services.store, questionnaire_id)
    if versions:
        return versions
    _known_questionnaire(services, questionnaire_id)
    themes = [{"theme_id": t, "position": i, "label": label, "description": words}
              for i, (t, label, words) in enumerate(DEFAULT_THEMES)]
    with contextlib.suppress(stored.VersionTaken):  # another request stored it first: the same themes
        stored.append_codebook(services.store, questionnaire_id, 1, themes, note=DEFAULT_NOTE, made_by="surveyapp",
                               made_at=_now(services))
    return stored.codebook_versions(services.store, questionnaire_id)


def codebook(services: Services, questionnaire_id: str, version: int | None = None) -> CodebookOut:
    """The questionnaire's codebook: its current version, or the one asked for."""
    versions = _versions(services, questionnaire_id)
    if version is None:
        return _codebook_out(services, questionnaire_id, versions[-1])
    for row in versions:
        if row["version"] == version:
            return _codebook_out(services, questionnaire_id, row)
    raise CommentsError("version", f"the {questionnaire_id} codebook has versions 1 to {versions[-1]['version']}",
                        404)


def codebook_history(services: Services, questionnaire_id: str) -> list[CodebookOut]:
    """Every version of the questionnaire's codebook, oldest first."""
    return [_codebook_out(services, questionnaire_id, row) for row in _versions(services, questionnaire_id)]


def edit_codebook(services: Services, questionnaire_id: str, data: CodebookIn, made_by: str) -> CodebookOut:
    """A new version of the codebook with these themes; codings made before keep their version."""
    latest = _versions(services, questionnaire_id)[-1]["version"]
    ids = [t.id for t in data.themes]
    if len(set(ids)) != len(ids):
        raise CommentsError("themes", "give each theme its own id: " + ", ".join(sorted({i for i in ids
                                                                                           if ids.count(i) > 1})))
    themes = [{"theme_id": t.id, "position": i, "label": t.label.strip(), "description": t.description.strip()}
              for i, t in enumerate(data.themes)]
    try:
        stored.append_codebook(services.store, questionnaire_id, latest + 1, themes, note=data.note.strip(),
                               made_by=made_by, made_at=_now(services))
    except stored.VersionTaken as exc:
        raise CommentsError("themes", f"someone else edited the codebook just now ({exc}); read it again and "
                                      "make your edit on that version", 409) from exc
    return codebook(services, questionnaire_id, latest + 1)


def masker(services: Services) -> Masker:
    """Masking with the admin's list of schools and settings as it is now (the area pack's place names are not
    people's names: "Dover", "Deal")."""
    return Masker(stored.setting_names(services.store), services.areas.lads["lad_name"].to_list())


def comments(services: Services, wave_id: str, *, unmasked: bool = False) -> list[CommentOut]:
    """The wave's comments with their area and statement answers, masked unless `unmasked` (the caller checks
    the permission and records the read)."""
    questionnaire_of(services, wave_id)
    rows = stored.comment_rows(services.store, [wave_id])
    ids = rows["response_id"].to_list()
    answers: dict[str, dict[str, str]] = {}
    for rid, statement, option in stored.statement_answers(services.store, ids).iter_rows():
        answers.setdefault(rid, {})[statement] = option
    tags = theme_tags(services, [wave_id])
    themes: dict[str, list[str]] = {}
    versions: dict[str, int] = {}
    for rid, version, theme in tags.select("response_id", "codebook_version", "theme_id").iter_rows():
        versions[rid] = version
        themes.setdefault(rid, [])
        if theme is not None:
            themes[rid].append(theme)
    mask = masker(services)
    return [CommentOut(response_id=rid, wave_id=wave, lad_code=lad, area=_area(services, lad),
                       text=text if unmasked else mask.mask(text), masked=not unmasked,
                       answers=answers.get(rid, {}), themes=themes.get(rid, []), codebook_version=versions.get(rid))
            for rid, wave, lad, text in rows.iter_rows()]


def _area(services: Services, lad_code: str | None) -> str | None:
    if lad_code is None:
        return None
    try:
        return services.areas.lad_name(lad_code)
    except KeyError:
        return lad_code


def theme_tags(services: Services, wave_ids: list[str]) -> pl.DataFrame:
    """Each coded comment's themes from its current coding (latest, not blind): response_id, wave_id, lad_code,
    codebook_version, theme_id (null: coded, and no theme applies). Uncoded comments have no row."""
    return stored.theme_tags(services.store, wave_ids)


def theme_columns(services: Services, wave_ids: list[str], questionnaire_id: str) -> tuple[CodebookOut, pl.DataFrame]:
    """The current codebook and one 0/1 column per theme (`theme_<id>`) for each coded comment: response_id and
    the columns (a comment not coded has no row: its columns are missing in an export, not 0)."""
    book = codebook(services, questionnaire_id)
    return book, theme_flags(services, wave_ids, [t.id for t in book.themes])


def theme_flags(services: Services, wave_ids: list[str], theme_ids: list[str]) -> pl.DataFrame:
    """response_id and a 0/1 column `theme_<id>` per theme (Int8) for each coded comment of the waves, from its
    current coding; uncoded comments have no row."""
    tags = theme_tags(services, wave_ids)
    coded = tags.group_by("response_id", maintain_order=True).agg(pl.col("theme_id").drop_nulls())
    return coded.select("response_id", *(pl.col("theme_id").list.contains(t).cast(pl.Int8).alias(f"theme_{t}")
                                         for t in theme_ids))


def _comment_ids(services: Services, wave_id: str) -> list[str]:
    return [str(r) for r in stored.comment_rows(services.store, [wave_id])["response_id"].to_list()]


def code(services: Services, wave_id: str, response_id: str, coder: str, data: CodingIn) -> CodingOut:
    """Store this coder's coding of one comment under the current codebook (replacing their earlier one)."""
    questionnaire = questionnaire_of(services, wave_id)
    if response_id not in _comment_ids(services, wave_id):
        raise CommentsError("response_id", f"wave {wave_id} has no comment {response_id[:40]!r}", 404)
    book = codebook(services, questionnaire)
    known = {t.id for t in book.themes}
    unknown = sorted(set(data.themes) - known)
    if unknown:
        raise CommentsError("themes", f"the codebook (version {book.version}) has no theme {', '.join(unknown)}; "
                                      f"use {', '.join(sorted(known))}")
    themes = sorted(set(data.themes))
    stored.save_coding(services.store, response_id, coder, questionnaire_id=questionnaire,
                       codebook_version=book.version, theme_ids=themes, blind=data.blind, coded_at=_now(services))
    return CodingOut(response_id=response_id, coder=coder, codebook_version=book.version, themes=themes,
                     blind=data.blind)


def draw_sample(services: Services, wave_id: str, size: int, seed: int) -> SampleOut:
    """Draw the wave's blind double-coding sample: `size` of its comments (all, when fewer) with this seed."""
    ids = _comment_ids(services, wave_id)
    chosen = sorted(random.Random(seed).sample(ids, min(size, len(ids))))  # noqa: S311 (a sample, not a secret)
    stored.save_sample(services.store, wave_id, chosen, seed=seed, drawn_at=_now(services))
    return SampleOut(wave_id=wave_id, seed=seed, response_ids=chosen)


def sample(services: Services, wave_id: str) -> SampleOut:
    """The wave's blind double-coding sample as drawn (empty before one is)."""
    questionnaire_of(services, wave_id)
    ids, seed = stored.sample(services.store, wave_id)
    return SampleOut(wave_id=wave_id, seed=seed, response_ids=ids)


def setting_names(services: Services) -> SettingNamesOut:
    return SettingNamesOut(names=stored.setting_names(services.store))


def add_setting_names(services: Services, names: list[str], added_by: str) -> SettingNamesOut:
    """Add schools and settings to the list masking hides."""
    cleaned = sorted({" ".join(n.split())[:200] for n in names if n.strip()})
    stored.add_setting_names(services.store, cleaned, added_by=added_by, added_at=_now(services))
    return setting_names(services)


def remove_setting_name(services: Services, name: str) -> SettingNamesOut:
    if not stored.remove_setting_name(services.store, name):
        raise CommentsError("name", f"{name[:120]!r} is not on the list", 404)
    return setting_names(services)
