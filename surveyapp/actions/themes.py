"""Themes counted like every other figure (issue 26 item 3): coded comments by theme, by wave and by area or group,
exact for analysts and flagged with what a release could not show."""

from __future__ import annotations

from analytics.areas import SPECIAL_NAMES
from surveyapp.actions.levels import AnalysisError, Breakdown, Result, response_wave
from surveyapp.domain.services import Services

INTERNAL_NOTE = ("Internal: not for publication. Exact counts of coded comments, for signed-in analysts and admins; "
                 "a row a release could not show on its own has publishable false and publishable_rule saying which "
                 "rule it fails. A release counts themes again and passes them through its check: publish only "
                 "from a checked release.")
NOTES = [
    "A comment's themes are those of its latest coding that is not a blind second coding. responses: coded "
    "comments in the row with the theme; coded: coded comments in the row, each once however many themes it "
    "carries; share = responses / coded. A comment carries several themes, so a row's shares add up to more than 1.",
    "Complements across rows (a total minus the other areas) are the release's check's business: publishable "
    "here says only whether the row could be shown on its own.",
]


def themes(services: Services, wave_id: str, *, by: str = "all") -> Result:
    """Coded comments by theme for one wave, in every row of the breakdown `by` (the typed levels of
    `actions.levels`; a two-way `by` too); AnalysisError names `wave` or `by`."""
    from analytics.themes import theme_counts
    from surveyapp.store.themes import codebook, coded_themes

    wave = response_wave(services, wave_id, "wave")
    breakdown = Breakdown.parse(services, wave, by)
    book = codebook(services.store, wave.questionnaire.id)
    if book.is_empty():
        raise AnalysisError("wave", f"{wave.questionnaire.id} has no codebook yet: an analyst writes one on the "
                                    "comments page before comments can be coded and counted")
    tagged = coded_themes(services.store, [wave_id], by=breakdown.by, groups=breakdown.groups)
    labels = {**SPECIAL_NAMES, **dict(breakdown.labels)}
    if breakdown.by == "lad":
        lads = services.areas.lads
        labels.update(zip(lads["lad_code"].to_list(), lads["lad_name"].to_list(), strict=True))
    threshold = services.settings.small_number_threshold
    frame = theme_counts(tagged, book, every=breakdown.every, labels=labels, threshold=threshold)
    if frame.is_empty():
        frame = theme_counts(tagged.clear(), book, threshold=threshold)
    coded = int(tagged["response_id"].n_unique())
    notes = [INTERNAL_NOTE, *NOTES, *breakdown.overlap_notes]
    if coded == 0:
        notes.append(f"No comment of {wave_id} is coded yet: code them on the comments page first.")
    return Result("themes", frame, {"wave": wave_id, "by": by, "threshold": threshold, "coded": coded,
                                    "questionnaire": wave.questionnaire.id}, notes)
