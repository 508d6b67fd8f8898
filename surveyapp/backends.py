"""Where CLI commands get their data: the database file directly, or the running service over HTTP."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Protocol

import httpx
import msgspec

from surveyapp.settings import Settings


class Backend(Protocol):
    def list_waves(self) -> list[dict[str, Any]]: ...
    def set_state(self, wave_id: str, state: str) -> dict[str, Any]: ...
    def create_wave(self, payload: dict[str, Any]) -> dict[str, Any]: ...
    def export(self, wave_id: str, fmt: str) -> bytes: ...
    def dictionary_csv(self, wave_id: str) -> bytes: ...
    def backup(self, out: Path | None) -> str: ...
    def analysis(self, kind: str, wave_id: str, params: dict[str, Any], fmt: str) -> bytes: ...
    def close(self) -> None: ...


class LocalBackend:
    """Opens the database itself (only when no service holds it)."""

    def __init__(self, settings: Settings | None = None, services: Any = None) -> None:
        from surveyapp.services import Services

        self._owned = services is None
        self.services = Services(settings) if services is None else services  # type: ignore[arg-type]

    def close(self) -> None:
        if self._owned:
            self.services.close()

    def list_waves(self) -> list[dict[str, Any]]:
        from surveyapp.api.present import wave_out

        today = self.services.today()
        return [msgspec.to_builtins(wave_out(w, today)) for w in self.services.waves.all()]

    def set_state(self, wave_id: str, state: str) -> dict[str, Any]:
        from surveyapp.api.present import wave_out

        self.services.wave(wave_id)
        return msgspec.to_builtins(wave_out(self.services.waves.set_state(wave_id, state), self.services.today()))

    def create_wave(self, payload: dict[str, Any]) -> dict[str, Any]:
        from surveyapp.api.present import wave_out
        from waves.model import WaveDefinition

        wave = self.services.waves.create(WaveDefinition(
            id=payload["wave_id"], questionnaire=payload["questionnaire_id"],
            questionnaire_version=payload["questionnaire_version"], title=payload["title"],
            opens=dt.date.fromisoformat(payload["opens_on"]), closes=dt.date.fromisoformat(payload["closes_on"])))
        return msgspec.to_builtins(wave_out(wave, self.services.today()))

    def export(self, wave_id: str, fmt: str) -> bytes:
        from surveyapp.export import dictionary_frame, export_frame, serialise

        wave = self.services.wave(wave_id)
        frame = export_frame(self.services.store, wave_id, wave.questionnaire, self.services.areas)
        return serialise(frame, dictionary_frame(wave.questionnaire), fmt)

    def dictionary_csv(self, wave_id: str) -> bytes:
        from surveyapp.export import dictionary_frame

        return dictionary_frame(self.services.wave(wave_id).questionnaire).write_csv().encode()

    def backup(self, out: Path | None) -> str:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")  # two backups in one second must not collide
        target = out or self.services.settings.data_dir / "backups" / f"surveyapp-{stamp}.duckdb"
        return str(self.services.store.backup(target))

    def analysis(self, kind: str, wave_id: str, params: dict[str, Any], fmt: str) -> bytes:
        from surveyapp.queries import run_analysis

        return run_analysis(self.services, kind, wave_id, params, fmt)


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
            token = getattr(self.settings, f"{role}_token")
            if not token:
                raise RuntimeError(f"the service is running; set SURVEYAPP_{role.upper()}_TOKEN to use it")
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = body.get("detail", "")
                fields = "; ".join(f"{e['field']}: {e['message']}" for e in body.get("errors", []))
            except ValueError:
                detail, fields = response.text[:200], ""
            raise RuntimeError(f"the service said {response.status_code}: {detail} {fields}".strip())
        return response

    def list_waves(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/api/v1/waves").json())

    def set_state(self, wave_id: str, state: str) -> dict[str, Any]:
        verb = "open" if state == "open" else "close"
        return dict(self._call("POST", f"/api/v1/admin/waves/{wave_id}/{verb}", "admin").json())

    def create_wave(self, payload: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", "/api/v1/admin/waves", "admin", json=payload).json())

    def export(self, wave_id: str, fmt: str) -> bytes:
        return self._call("GET", f"/api/v1/waves/{wave_id}/export", "analyst", params={"format": fmt}).content

    def dictionary_csv(self, wave_id: str) -> bytes:
        return self._call("GET", f"/api/v1/waves/{wave_id}/dictionary", "analyst", params={"format": "csv"}).content

    def backup(self, out: Path | None) -> str:
        made = self._call("POST", "/api/v1/admin/backup", "admin").json()["path"]
        if out is None:
            return str(made)
        Path(made).replace(out)  # the service runs on this machine: move its copy where asked
        return str(out)

    def analysis(self, kind: str, wave_id: str, params: dict[str, Any], fmt: str) -> bytes:
        query = {k: v for k, v in params.items() if v is not None}
        query["format"] = fmt
        return self._call("GET", f"/api/v1/waves/{wave_id}/{kind}", "analyst", params=query).content


def open_backend(settings: Settings) -> Backend:
    """The database directly when it is free; the running service when it holds the file."""
    from surveyapp.store import StoreLockedError

    try:
        return LocalBackend(settings)
    except StoreLockedError:
        return RemoteBackend(settings)
