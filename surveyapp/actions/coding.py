"""Coding comments into themes, measured: blind double-coding agreement (Cohen's kappa per theme) and theme
suggestions for uncoded comments with how often they agree with held-out human coding."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from analytics.agreement import theme_agreement
from surveyapp.actions import comments
from surveyapp.actions.schemas_comments import AgreementOut, CommentOut, SuggestionQuality, ThemeAgreement
from surveyapp.comments import suggest
from surveyapp.domain.services import Services
from surveyapp.store import comments as stored


def _codings(services: Services, wave_id: str) -> dict[str, dict[str, tuple[bool, set[str]]]]:
    """response_id -> coder -> (blind, themes ticked)."""
    out: dict[str, dict[str, tuple[bool, set[str]]]] = {}
    for row in stored.codings(services.store, [wave_id]).iter_rows(named=True):
        _, themes = out.setdefault(row["response_id"], {}).setdefault(row["coder"], (row["blind"], set()))
        if row["theme_id"] is not None:
            themes.add(row["theme_id"])
    return out


def coders_of_sample(services: Services, wave_id: str) -> tuple[list[str], list[str]]:
    """The sample's comments that two coders coded, and the two: the first (not blind) and the second (blind,
    the one who coded most of the sample blind); empty when no one has coded it blind yet."""
    ids = comments.sample(services, wave_id).response_ids
    codings = _codings(services, wave_id)
    blind_counts: dict[str, int] = {}
    for rid in ids:
        for coder, (blind, _) in codings.get(rid, {}).items():
            if blind:
                blind_counts[coder] = blind_counts.get(coder, 0) + 1
    if not blind_counts:
        return [], []
    second = max(sorted(blind_counts), key=lambda c: blind_counts[c])
    pairs = [rid for rid in ids if second in codings.get(rid, {})
             and any(not b for c, (b, _) in codings[rid].items() if c != second)]
    firsts = sorted({c for rid in pairs for c, (b, _) in codings[rid].items() if c != second and not b})
    return pairs, [", ".join(firsts), second] if firsts else []


def agreement(services: Services, wave_id: str) -> AgreementOut:
    """Blind double coding of the wave's sample: per theme of the current codebook, Cohen's kappa between the
    first coding of each comment and the blind second one."""
    book = comments.codebook(services, comments.questionnaire_of(services, wave_id))
    pairs, coders = coders_of_sample(services, wave_id)
    codings = _codings(services, wave_id)
    rows = []
    for rid in pairs:
        second = codings[rid][coders[1]][1]
        first = next(t for c, (b, t) in sorted(codings[rid].items()) if c != coders[1] and not b)
        rows += [{"theme_id": t.id, "response_id": rid, "first": int(t.id in first), "second": int(t.id in second)}
                 for t in book.themes]
    schema = {"theme_id": pl.String, "response_id": pl.String, "first": pl.Int64, "second": pl.Int64}
    table = theme_agreement(pl.DataFrame(rows, schema=schema))
    return AgreementOut(wave_id=wave_id, coders=coders, comments=len(pairs), themes=[
        ThemeAgreement(theme_id=r["theme_id"], kappa=r["kappa"], agreement=r["agreement"],
                       ticked_by_first=r["ticked_by_first"], ticked_by_second=r["ticked_by_second"])
        for r in table.iter_rows(named=True)])


def _split(listed: Sequence[CommentOut]) -> tuple[list[CommentOut], list[CommentOut]]:
    coded = [c for c in listed if c.codebook_version is not None]
    return coded, [c for c in listed if c.codebook_version is None]


def suggestions(services: Services, wave_id: str, listed: Sequence[CommentOut] | None = None) -> dict[str, list[str]]:
    """Suggested themes for each uncoded comment of the wave (response_id -> themes), learnt from the coded
    comments of every wave of its questionnaire; none while fewer than suggest.FLOOR are coded."""
    listed = listed if listed is not None else comments.comments(services, wave_id)
    texts, labels = _training(services, wave_id)
    book = comments.codebook(services, comments.questionnaire_of(services, wave_id))
    uncoded = _split(listed)[1]
    found = suggest.suggest(texts, labels, [c.text for c in uncoded], [t.id for t in book.themes])
    return {c.response_id: themes for c, themes in zip(uncoded, found, strict=True)}


def _training(services: Services, wave_id: str) -> tuple[list[str], list[list[str]]]:
    questionnaire = comments.questionnaire_of(services, wave_id)
    texts: list[str] = []
    labels: list[list[str]] = []
    for wave in services.waves.all():
        if wave.questionnaire.id == questionnaire and wave.kind == "responses":
            coded = _split(comments.comments(services, wave.wave_id))[0]
            texts += [c.text for c in coded]
            labels += [c.themes for c in coded]
    return texts, labels


def suggestion_quality(services: Services, wave_id: str) -> SuggestionQuality:
    """How often suggestions agree with held-out human coding, cross-validated over the coded comments."""
    book = comments.codebook(services, comments.questionnaire_of(services, wave_id))
    texts, labels = _training(services, wave_id)
    found = suggest.quality(texts, labels, [t.id for t in book.themes])
    return SuggestionQuality(enough=found.enough, coded=found.coded, reason=found.reason, folds=found.folds,
                             exact_match=found.exact, per_theme=found.f1)
