"""The board pack built from a release: its inputs are the release document (a draft's or the frozen one), the
questionnaire's labels, and the published "You said, we did" entries; never a stored response."""

from __future__ import annotations

from typing import TYPE_CHECKING

from surveyapp.actions import releases, said_did
from surveyapp.actions.levels import short_title
from surveyapp.domain.services import Services

if TYPE_CHECKING:
    from surveyapp.render.boardpack import PackInputs


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
                      titles={w.wave_id: short_title(w) for w in services.waves.all()})
