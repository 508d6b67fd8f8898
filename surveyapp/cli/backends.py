"""Where the CLI's commands reach the data: the database file itself, or the running service over HTTP.

DuckDB lets one process hold the file. When no service runs, `LocalBackend` opens it and calls
`surveyapp.actions.queries` directly, the same functions the API's handlers call. While `surveyapp serve` holds it,
`RemoteBackend` asks the service's API, whose handlers call those same functions. Either way each action
has one implementation; only the transport differs.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import msgspec

from surveyapp.actions.schemas import BackupOut, SourceOut, WaveOut
from surveyapp.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence

    import polars as pl

    from surveyapp.actions.analyses import AnalysisRequest
    from surveyapp.actions.data import ExportFormat
    from surveyapp.domain.services import Services
    from surveyapp.domain.sources import SourceFile
    from surveyapp.domain.waves import WaveState
    from surveyapp.render.formats import ResultFormat, TrackerTable
    from surveyapp.render.report import Progress
    from waves.model import Text


class NewWave(msgspec.Struct, frozen=True, kw_only=True):
    """A responses wave to create (the admin API's body)."""

    wave_id: str
    questionnaire_id: str
    questionnaire_version: int
    title: dict[str, str]
    opens_on: str  # YYYY-MM-DD
    closes_on: str


class Backend(Protocol):
    def list_waves(self) -> list[WaveOut]: ...
    def set_state(self, wave_id: str, state: WaveState) -> WaveOut: ...
    def create_wave(self, wave: NewWave) -> WaveOut: ...
    def export(self, waves: str, fmt: ExportFormat, filters: Sequence[str]) -> bytes: ...
    def dictionary_csv(self, waves: str) -> bytes: ...
    def backup(self, out: Path | None) -> BackupOut: ...
    def list_sources(self, wave_id: str) -> list[SourceOut]: ...
    def create_source(self, wave_id: str, name: str) -> SourceOut: ...
    def rename_source(self, wave_id: str, source_id: str, name: str) -> SourceOut: ...
    def retire_source(self, wave_id: str, source_id: str) -> SourceOut: ...
    def source_file(self, wave_id: str, source_id: str, kind: SourceFile) -> bytes: ...
    def table(self, request: AnalysisRequest) -> pl.DataFrame: ...
    def analysis_file(self, request: AnalysisRequest, fmt: ResultFormat) -> bytes: ...
    def tracker_file(self, wave_id: str, by: str, fmt: ResultFormat, table: TrackerTable) -> bytes: ...
    def tracker_frame(self, wave_id: str, by: str, table: TrackerTable) -> pl.DataFrame: ...
    def report(self, wave_id: str, baseline_id: str | None, out_dir: Path, progress: Progress | None) -> Path: ...
    def close(self) -> None: ...


class LocalBackend:
    """Opens the database itself (only when no service holds it) and calls the queries."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @classmethod
    def open(cls, settings: Settings) -> LocalBackend:
        from surveyapp.domain.services import Services

        return cls(Services(settings))

    def close(self) -> None:
        self.services.close()

    def list_waves(self) -> list[WaveOut]:
        from surveyapp.actions import waves as wave_actions

        return wave_actions.list_waves(self.services)

    def set_state(self, wave_id: str, state: WaveState) -> WaveOut:
        from surveyapp.actions import waves as wave_actions

        return wave_actions.set_wave_state(self.services, wave_id, state)

    def create_wave(self, wave: NewWave) -> WaveOut:
        import datetime as dt

        from surveyapp.actions import waves as wave_actions

        title: Text = dict(wave.title)
        return wave_actions.create_wave(
            self.services, wave_id=wave.wave_id, questionnaire_id=wave.questionnaire_id,
            questionnaire_version=wave.questionnaire_version, title=title,
            opens_on=dt.date.fromisoformat(wave.opens_on), closes_on=dt.date.fromisoformat(wave.closes_on))

    def export(self, waves: str, fmt: ExportFormat, filters: Sequence[str]) -> bytes:
        from surveyapp.actions import data

        return data.export(self.services, waves, fmt, filters=filters)

    def dictionary_csv(self, waves: str) -> bytes:
        from surveyapp.actions import data
        from surveyapp.render.exports import neutralise

        return neutralise(data.dictionary(self.services, waves)).write_csv().encode()

    def backup(self, out: Path | None) -> BackupOut:
        from surveyapp.actions import data

        return data.backup(self.services, out)

    def list_sources(self, wave_id: str) -> list[SourceOut]:
        from surveyapp.actions import sources

        return sources.list_sources(self.services, wave_id)

    def create_source(self, wave_id: str, name: str) -> SourceOut:
        from surveyapp.actions import sources

        return sources.create_source(self.services, wave_id, name)

    def rename_source(self, wave_id: str, source_id: str, name: str) -> SourceOut:
        from surveyapp.actions import sources

        return sources.rename_source(self.services, wave_id, source_id, name)

    def retire_source(self, wave_id: str, source_id: str) -> SourceOut:
        from surveyapp.actions import sources

        return sources.retire_source(self.services, wave_id, source_id)

    def source_file(self, wave_id: str, source_id: str, kind: SourceFile) -> bytes:
        from surveyapp.actions import sources

        if kind in ("qr.svg", "qr.png"):
            return sources.source_qr(self.services, wave_id, source_id, "svg" if kind == "qr.svg" else "png")
        page = sources.source_poster(self.services, wave_id, source_id)
        if kind == "poster":
            return page.encode()
        from surveyapp.render.poster import poster_pdf

        return poster_pdf(page)

    def table(self, request: AnalysisRequest) -> pl.DataFrame:
        from surveyapp.actions import analyses

        return analyses.analyse(self.services, request).frame

    def analysis_file(self, request: AnalysisRequest, fmt: ResultFormat) -> bytes:
        from surveyapp.actions import analyses
        from surveyapp.render.formats import serialise

        return serialise(analyses.analyse(self.services, request), fmt, self.services.areas.attribution)

    def tracker_file(self, wave_id: str, by: str, fmt: ResultFormat, table: TrackerTable) -> bytes:
        from surveyapp.actions import tracker
        from surveyapp.render.formats import one_table, serialise

        self.services.wave(wave_id)
        result = tracker.tracker(self.services, wave_id, by=by)
        return serialise(result if fmt in ("json", "xlsx") else one_table(result, table), fmt,
                         self.services.areas.attribution)

    def tracker_frame(self, wave_id: str, by: str, table: TrackerTable) -> pl.DataFrame:
        from surveyapp.actions import tracker
        from surveyapp.render.formats import one_table

        self.services.wave(wave_id)
        return one_table(tracker.tracker(self.services, wave_id, by=by), table).frame

    def report(self, wave_id: str, baseline_id: str | None, out_dir: Path, progress: Progress | None) -> Path:
        from surveyapp.actions import report
        from surveyapp.render.report import write_report

        settings = self.services.settings
        return write_report(report.report_inputs(self.services, wave_id, baseline_id), out_dir,
                            threshold=settings.small_number_threshold, boundaries=settings.boundaries,
                            progress=progress)


class ServiceError(RuntimeError):
    """The running service refused a request; the message carries its reasons."""


class RemoteBackend:
    """Talks to the running service with the admin or analyst token."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = httpx.Client(base_url=settings.url, timeout=600)

    def close(self) -> None:
        self.client.close()

    def _call(self, method: str, path: str, role: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {}
        if role is not None:
            token = self.settings.admin_token if role == "admin" else self.settings.analyst_token
            if not token:
                raise ServiceError(f"the service is running; set SURVEYAPP_{role.upper()}_TOKEN to use it")
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.client.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise ServiceError(
                f"a running service holds the database, but none answered at {self.settings.url} ({exc}); "
                f"if it listens on another address (e.g. make run PORT=9000), set SURVEYAPP_URL to it, e.g. "
                f"SURVEYAPP_URL=http://127.0.0.1:9000") from exc
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = body.get("detail", "")
                fields = "; ".join(f"{e['field']}: {e['message']}" for e in body.get("errors", []))
            except ValueError:
                detail, fields = response.text[:200], ""
            raise ServiceError(f"the service said {response.status_code}: {detail} {fields}".strip())
        return response

    def list_waves(self) -> list[WaveOut]:
        return msgspec.json.decode(self._call("GET", "/api/v1/waves").content, type=list[WaveOut])

    def set_state(self, wave_id: str, state: WaveState) -> WaveOut:
        verb = "open" if state == "open" else "close"
        return msgspec.json.decode(self._call("POST", f"/api/v1/admin/waves/{wave_id}/{verb}", "admin").content,
                                   type=WaveOut)

    def create_wave(self, wave: NewWave) -> WaveOut:
        response = self._call("POST", "/api/v1/admin/waves", "admin", json=msgspec.to_builtins(wave))
        return msgspec.json.decode(response.content, type=WaveOut)

    def export(self, waves: str, fmt: ExportFormat, filters: Sequence[str]) -> bytes:
        params = [("waves", waves), ("format", fmt), *(("filter", f) for f in filters)]
        return self._call("GET", "/api/v1/export", "analyst", params=params).content

    def dictionary_csv(self, waves: str) -> bytes:
        return self._call("GET", "/api/v1/export/dictionary", "analyst",
                          params={"waves": waves, "format": "csv"}).content

    def backup(self, out: Path | None) -> BackupOut:
        made = msgspec.json.decode(self._call("POST", "/api/v1/admin/backup", "admin").content, type=BackupOut)
        if out is None:
            return made
        from surveyapp.store import backup_key_path

        # The service runs on this machine: move its copy where asked, and the key beside it with it.
        Path(made.path).replace(out)
        if backup_key_path(Path(made.path)).exists():
            backup_key_path(Path(made.path)).replace(backup_key_path(out))
        return BackupOut(str(out), made.responses)

    def list_sources(self, wave_id: str) -> list[SourceOut]:
        return msgspec.json.decode(self._call("GET", f"/api/v1/waves/{wave_id}/sources", "admin").content,
                                   type=list[SourceOut])

    def create_source(self, wave_id: str, name: str) -> SourceOut:
        made = self._call("POST", f"/api/v1/waves/{wave_id}/sources", "admin", json={"name": name})
        return msgspec.json.decode(made.content, type=SourceOut)

    def rename_source(self, wave_id: str, source_id: str, name: str) -> SourceOut:
        renamed = self._call("PATCH", f"/api/v1/waves/{wave_id}/sources/{source_id}", "admin", json={"name": name})
        return msgspec.json.decode(renamed.content, type=SourceOut)

    def retire_source(self, wave_id: str, source_id: str) -> SourceOut:
        retired = self._call("POST", f"/api/v1/waves/{wave_id}/sources/{source_id}/retire", "admin")
        return msgspec.json.decode(retired.content, type=SourceOut)

    def source_file(self, wave_id: str, source_id: str, kind: SourceFile) -> bytes:
        return self._call("GET", f"/api/v1/waves/{wave_id}/sources/{source_id}/{kind}", "admin").content

    def analysis_file(self, request: AnalysisRequest, fmt: ResultFormat) -> bytes:
        return self._call("GET", f"/api/v1/waves/{request.wave}/{request.kind}", "analyst",
                          params=[*request.query(), ("format", fmt)]).content

    def table(self, request: AnalysisRequest) -> pl.DataFrame:
        import polars as pl

        return pl.read_parquet(io.BytesIO(self.analysis_file(request, "parquet")))

    def tracker_file(self, wave_id: str, by: str, fmt: ResultFormat, table: TrackerTable) -> bytes:
        return self._call("GET", f"/api/v1/waves/{wave_id}/tracker", "analyst",
                          params={"by": by, "format": fmt, "table": table}).content

    def tracker_frame(self, wave_id: str, by: str, table: TrackerTable) -> pl.DataFrame:
        import polars as pl

        return pl.read_parquet(io.BytesIO(self.tracker_file(wave_id, by, "parquet", table)))

    def report(self, wave_id: str, baseline_id: str | None, out_dir: Path, progress: Progress | None) -> Path:
        """The service writes the pack (the same code as LocalBackend.report) and sends it as a zip."""
        params = {"baseline": baseline_id} if baseline_id else {}
        if progress is not None and hasattr(progress, "set_description"):
            progress.set_description("the service is writing the report")
        data = self._call("GET", f"/api/v1/waves/{wave_id}/report.zip", "analyst", params=params).content
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "report.pdf").unlink(missing_ok=True)  # an earlier run's: report.pdf is this pack's, if any
        with zipfile.ZipFile(io.BytesIO(data)) as pack:
            names = pack.namelist()
            for name in names:
                target = (out_dir / name).resolve()
                if not target.is_relative_to(out_dir.resolve()):
                    raise ServiceError(f"the report pack holds an unexpected path {name!r}")
            pack.extractall(out_dir)
        if progress is not None and hasattr(progress, "update"):
            progress.total = len(names)
            progress.update(len(names))
        return out_dir / "report.html"


def open_backend(settings: Settings) -> Backend:
    """The database directly when it is free; the running service when it holds the file."""
    from surveyapp.store import StoreLockedError

    try:
        return LocalBackend.open(settings)
    except StoreLockedError:
        return RemoteBackend(settings)
