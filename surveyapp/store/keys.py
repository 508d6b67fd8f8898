"""The writer's memory of what a wave holds: 64-bit hashes of its stored submission ids and return codes."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import numpy as np


class StoredKeys:
    """64-bit hashes (the low half of MD5, which DuckDB's md5_number_lower gives for the stored keys and
    `_hash` for new ones) of one wave's stored submission ids and cohort keys, as sorted arrays (8 bytes a
    response), plus those added since they were read. A submission id's hit may be a collision, so it only means
    "look it up"; a cohort key's count of hashes is its uses in the wave, or more on a collision."""

    def __init__(self, submissions: np.ndarray, codes: np.ndarray) -> None:
        self._submissions, self._codes = submissions, codes
        self._new_submissions: set[int] = set()
        self._new_codes: dict[int, int] = {}  # hash -> uses committed since the stored ones were read

    @classmethod
    def read(cls, cursor: duckdb.DuckDBPyConnection, wave_id: str) -> StoredKeys:
        """Hash the wave's stored keys inside DuckDB: only 8 bytes a key come out."""
        import numpy as np

        def hashes(column: str) -> np.ndarray:
            cursor.execute(f"SELECT md5_number_lower({column}) AS h FROM responses "
                           f"WHERE wave_id = ? AND {column} IS NOT NULL", [wave_id])
            return np.sort(np.asarray(cursor.fetchnumpy()["h"], dtype=np.uint64))

        return cls(hashes("submission_id"), hashes("cohort_key"))

    @staticmethod
    def _hash(key: str) -> int:
        return int.from_bytes(hashlib.md5(key.encode(), usedforsecurity=False).digest()[8:], "little")

    @staticmethod
    def _hits(stored: np.ndarray, added: set[int], keys: list[int]) -> list[bool]:
        import numpy as np

        if not stored.size:
            return [k in added for k in keys]
        wanted = np.array(keys, dtype=np.uint64)
        found = stored[np.minimum(np.searchsorted(stored, wanted), stored.size - 1)] == wanted
        return [bool(f) or k in added for f, k in zip(found, keys, strict=True)]

    def may_hold_submissions(self, ids: list[str | None]) -> list[bool]:
        present = [self._hash(i) for i in ids if i is not None]
        hits = iter(self._hits(self._submissions, self._new_submissions, present))
        return [False if i is None else next(hits) for i in ids]

    def code_uses(self, keys: list[str]) -> list[int]:
        """Uses of each cohort key in the wave by its hash: the true count, or more when hashes collide. Each
        costs the same two binary searches and a dictionary look-up, whatever the key's history."""
        import numpy as np

        hashes = [self._hash(k) for k in keys]
        wanted = np.array(hashes, dtype=np.uint64)
        stored = np.searchsorted(self._codes, wanted, "right") - np.searchsorted(self._codes, wanted, "left")
        return [int(n) + self._new_codes.get(h, 0) for n, h in zip(stored.tolist(), hashes, strict=True)]

    def add(self, submission_ids: list[str | None], cohort_keys: list[str]) -> None:
        """Remember committed responses' keys (after their COMMIT: a rolled-back one must not count as a use)."""
        self._new_submissions.update(self._hash(i) for i in submission_ids if i is not None)
        for key in cohort_keys:
            h = self._hash(key)
            self._new_codes[h] = self._new_codes.get(h, 0) + 1
