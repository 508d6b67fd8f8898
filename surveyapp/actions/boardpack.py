"""The board pack built from a release: its inputs are the release document (a draft's or the frozen one), the
questionnaire's labels, the published "You said, we did" entries, the approved quotes and the themes of earlier
published releases; never a stored response."""

from __future__ import annotations

from typing import TYPE_CHECKING

from surveyapp.actions import quotes, releases, said_did
from surveyapp.actions.levels import short_title
from surveyapp.domain.services import Services

if TYPE_CHECKING:
    import polars as pl

    from surveyapp.domain.release import ReleaseDocument, ReleaseOut
    from surveyapp.render.boardpack import PackInputs

THEMES_ALL = "themes-all"  # the release plan's table the board's themes chart is drawn from


def pack_inputs(services: Services, release_id: str) -> PackInputs:
    """What the board pack of the release shows (ReleaseNotFound for an unknown id)."""
    from analytics.scale import Scale
    from surveyapp.render.boardpack import PackInputs  # Altair loads only when a pack is made

    out = releases.release_out(services, release_id)
    if out is None:
        raise releases.ReleaseNotFound(release_id)
    document = out.document
    wave = services.wave(document.wave_id)
    return PackInputs(document=document, status=out.status, scale=Scale.for_questionnaire(wave.questionnaire),
                      entries=said_did.entries(services, document.questionnaire_id), pack_info=services.areas.info,
                      attribution=services.areas.attribution,
                      threshold=services.settings.small_number_threshold, content_sha256=out.content_sha256,
                      notice=out.withdrawal_notice,
                      titles={w.wave_id: short_title(w) for w in services.waves.all()},
                      quotes=quotes.public_quotes(services, release_id, drafts=True),
                      themes=theme_history(services, out))


def theme_history(services: Services, out: ReleaseOut, waves: int = 3) -> list[tuple[str, pl.DataFrame]]:
    """The release's themes-all table and those of the latest published releases of the questionnaire's earlier
    waves (at most `waves` in all), oldest first: what the board's themes chart compares."""
    import polars as pl

    def rows_of(document: ReleaseDocument) -> pl.DataFrame | None:
        table = document.table(THEMES_ALL)
        return pl.DataFrame(table.rows, infer_schema_length=None) if table is not None and table.rows else None

    known = {w.wave_id: w for w in services.waves.all()}
    this = known.get(out.wave_id)
    latest: dict[str, ReleaseOut] = {}
    for r in sorted(releases.published(services), key=lambda r: r.version):  # a correction replaces its release
        wave = known.get(r.wave_id)
        if r.status == "published" and wave is not None and this is not None and wave.opens_on < this.opens_on \
                and r.document.questionnaire_id == out.document.questionnaire_id:
            latest[r.wave_id] = r
    ordered = [*sorted(latest.values(), key=lambda r: known[r.wave_id].opens_on), out]
    found = [(short_title(known[r.wave_id]) if r.wave_id in known else r.wave_id, rows_of(r.document))
             for r in ordered]
    return [(title, rows) for title, rows in found if rows is not None][-waves:]
