"""A content-addressed artifact store on the local file system.

Every file is stored once as ``objects/<sha[:2]>/<sha256>``. A folder (a saved model) is captured as
a manifest of ``(relative path, sha256, size)`` entries; the manifest is itself stored as an object
and its sha256 is the folder's *digest*. Materialising a digest checks the manifest and every file
against their sha256 before anything is handed out, so a corrupted or swapped file is refused with
an :class:`~forgeml.errors.IntegrityError` that names it.

Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "model").mkdir(); _ = (root / "model" / "a.txt").write_text("hi")
    >>> store = ArtifactStore(root / "artifacts")
    >>> digest, files = store.put_folder(root / "model")
    >>> [f.path for f in files], (store.materialize(digest) / "a.txt").read_text()
    (['a.txt'], 'hi')
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from forgeml.errors import IntegrityError, NotFoundError

__all__ = ["ArtifactFile", "ArtifactStore", "GcReport"]

MANIFEST_FORMAT = "forgeml-artifact-manifest-1"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArtifactFile:
    """One file of a stored folder."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class GcReport:
    """What :meth:`ArtifactStore.gc` removed."""

    objects: int = 0
    bytes: int = 0
    temp_files: int = 0
    cache_folders: int = 0


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class ArtifactStore:
    """Objects under ``root/objects``, writes staged in ``root/tmp``, verified copies in ``root/cache``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.tmp = self.root / "tmp"
        self.cache = self.root / "cache"

    def object_path(self, sha: str) -> Path:
        return self.objects / sha[:2] / sha

    # -- writing ---------------------------------------------------------------------------------
    def _stage(self) -> Path:
        self.tmp.mkdir(parents=True, exist_ok=True)
        return self.tmp / f"{uuid.uuid4().hex}.part"

    def _commit(self, staged: Path, sha: str) -> None:
        dest = self.object_path(sha)
        if dest.exists():
            staged.unlink()
            os.utime(dest)  # fresh mtime: a concurrent gc's grace period now protects it
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, dest)

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; returns its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        if self.object_path(sha).is_file():
            os.utime(self.object_path(sha))
            return sha
        staged = self._stage()
        with staged.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        self._commit(staged, sha)
        return sha

    def put_file(self, path: Path) -> tuple[str, int]:
        """Store the file at ``path`` (copied only if its content is new); returns ``(sha256, size)``."""
        sha, size = _sha256_file(path), path.stat().st_size
        existing = self.object_path(sha)
        if existing.is_file():
            os.utime(existing)  # fresh mtime: a concurrent gc's grace period now protects it
            return sha, size
        h = hashlib.sha256()
        staged = self._stage()
        with path.open("rb") as src, staged.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                h.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        if h.hexdigest() != sha:  # the file changed while we read it
            staged.unlink()
            raise IntegrityError(f"file '{path}' changed while it was being stored; store it again.")
        self._commit(staged, sha)
        return sha, size

    def put_folder(self, folder: str | Path) -> tuple[str, list[ArtifactFile]]:
        """Store every file under ``folder`` and its manifest; returns ``(digest, files)``."""
        root = Path(folder)
        if not root.is_dir():
            raise NotFoundError(f"no folder at '{root}' to store; give a model folder written by AutoML.save().")
        files = []
        for p in sorted(root.rglob("*")):
            if p.is_file():
                sha, size = self.put_file(p)
                files.append(ArtifactFile(p.relative_to(root).as_posix(), sha, size))
        manifest = {"format": MANIFEST_FORMAT, "files": [f.__dict__ for f in files]}
        data = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return self.put_bytes(data), files

    # -- reading ---------------------------------------------------------------------------------
    def manifest(self, digest: str, *, label: str = "artifact") -> list[ArtifactFile]:
        """The verified file list of ``digest``."""
        path = self.object_path(digest)
        if not path.is_file():
            raise IntegrityError(f"{label}: its manifest object '{path}' is missing from the artifact store.")
        actual = _sha256_file(path)
        if actual != digest:
            raise IntegrityError(
                f"{label}: its manifest '{path}' does not match its sha256 (expected {digest}, found {actual}); "
                "the stored artifact was corrupted or swapped and will not be loaded."
            )
        data = json.loads(path.read_bytes())
        return [ArtifactFile(str(f["path"]), str(f["sha256"]), int(f["size"])) for f in data["files"]]

    def verify(self, digest: str, *, label: str = "artifact") -> list[ArtifactFile]:
        """Check the manifest and every file of ``digest``; raise :class:`IntegrityError` naming the first bad one."""
        files = self.manifest(digest, label=label)
        for f in files:
            obj = self.object_path(f.sha256)
            if not obj.is_file():
                raise IntegrityError(f"{label}: file '{f.path}' is missing from the artifact store (object '{obj}').")
            actual = _sha256_file(obj)
            if actual != f.sha256:
                raise IntegrityError(
                    f"{label}: file '{f.path}' does not match its recorded sha256 (expected {f.sha256}, "
                    f"found {actual}; object '{obj}'); the stored artifact was corrupted or swapped and will "
                    "not be loaded."
                )
        return files

    def materialize(self, digest: str, *, label: str = "artifact") -> Path:
        """A folder holding the verified files of ``digest`` (a cached copy, re-checked on every call)."""
        files = self.verify(digest, label=label)
        dest = self.cache / digest
        if dest.is_dir() and all((dest / f.path).is_file() and _sha256_file(dest / f.path) == f.sha256 for f in files):
            return dest
        staging = self.cache / f".{digest}.{uuid.uuid4().hex}"
        for f in files:
            target = staging / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.object_path(f.sha256), target)
        if dest.exists():
            shutil.rmtree(dest, ignore_errors=True)
        try:
            os.replace(staging, dest)
        except OSError:  # another process put a copy there first; it was built from the same checked objects
            shutil.rmtree(staging, ignore_errors=True)
        return dest

    # -- garbage collection ----------------------------------------------------------------------
    def referenced(self, digests: Iterable[str]) -> set[str]:
        """Every object needed by ``digests`` (their manifests and files); unreadable manifests count as kept."""
        keep: set[str] = set()
        for d in digests:
            keep.add(d)
            try:
                keep.update(f.sha256 for f in self.manifest(d))
            except (IntegrityError, OSError, ValueError, KeyError):
                continue
        return keep

    def gc(self, keep: set[str], *, grace_seconds: float = 900.0, now: float | None = None) -> GcReport:
        """Remove objects not in ``keep``, stale temp files and cache copies, older than ``grace_seconds``."""
        cutoff = (time.time() if now is None else now) - grace_seconds
        n_obj = n_bytes = n_tmp = n_cache = 0
        for obj in self.objects.glob("*/*") if self.objects.is_dir() else []:
            if obj.name not in keep and obj.stat().st_mtime <= cutoff:
                n_bytes += obj.stat().st_size
                obj.unlink(missing_ok=True)
                n_obj += 1
        for part in self.tmp.glob("*") if self.tmp.is_dir() else []:
            if part.stat().st_mtime <= cutoff:
                part.unlink(missing_ok=True)
                n_tmp += 1
        for folder in self.cache.iterdir() if self.cache.is_dir() else []:
            if (folder.name.startswith(".") or folder.name not in keep) and folder.stat().st_mtime <= cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                n_cache += 1
        return GcReport(objects=n_obj, bytes=n_bytes, temp_files=n_tmp, cache_folders=n_cache)
