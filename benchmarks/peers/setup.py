"""Create one virtual environment per peer under ``benchmarks/peers/.venvs/<name>`` and install the
pinned peer into it (see ``_spec.FRAMEWORKS``). Each install is logged to ``.venvs/<name>/install.log``
and summarised (seconds, size on disk, versions, error) in ``.venvs/<name>/install.json``, which the
harness reads to record versions.

Example:
    python benchmarks/peers/setup.py                    # all peers
    python benchmarks/peers/setup.py --peers h2o --force
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _spec import COMMON_PEER_PACKAGES, FRAMEWORKS, PEERS, Framework, parse_frameworks


def venv_python(fw: Framework) -> Path:
    return fw.venv / "bin" / "python"


def dir_size_mb(path: Path) -> float:
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return total / 2**20


def java_version() -> str | None:
    """``java -version``'s first line, or None when no java is on PATH."""
    if shutil.which("java") is None:
        return None
    proc = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    lines = (proc.stderr or proc.stdout).strip().splitlines()
    return lines[0] if lines else "unknown"


def pip(python: Path, packages: list[str], log: Any) -> None:
    cmd = [str(python), "-m", "pip", "install", "--no-input", *packages]
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(packages)} exited with {proc.returncode}")


def installed_versions(python: Path) -> dict[str, str]:
    """Every distribution in the venv with its version (``pip freeze`` equivalent)."""
    code = (
        "import json, importlib.metadata as m; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return dict(sorted(json.loads(out.stdout).items(), key=lambda kv: kv[0].lower()))


def install(fw: Framework, base_python: str, force: bool) -> dict[str, Any]:
    """Create ``fw``'s venv and install its packages; return the install record."""
    if force and fw.venv.exists():
        shutil.rmtree(fw.venv)
    fw.venv.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {"framework": fw.name, "packages": [*fw.pre_packages, *fw.pip_packages]}
    start = time.perf_counter()
    log_path = fw.venv / "install.log"
    with open(log_path, "a", encoding="utf-8") as log:
        try:
            if fw.needs_java:
                record["java"] = java_version()
                if record["java"] is None:
                    raise RuntimeError(f"{fw.name} needs java on PATH (apt-get install openjdk-17-jre-headless)")
            if not venv_python(fw).exists():
                subprocess.run([base_python, "-m", "venv", str(fw.venv)], check=True, stdout=log, stderr=log)
            if fw.pre_packages:
                pip(venv_python(fw), list(fw.pre_packages), log)
            pip(venv_python(fw), [*fw.pip_packages, *COMMON_PEER_PACKAGES], log)
            versions = installed_versions(venv_python(fw))
            record["version"] = next(
                (v for k, v in versions.items() if k.lower().replace("_", ".") == str(fw.distribution).lower()), None
            )
            record["versions"] = versions
            record["ok"] = True
        except (RuntimeError, subprocess.CalledProcessError, OSError) as err:
            record["ok"] = False
            record["error"] = str(err)
            tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-25:]
            record["log_tail"] = "\n".join(tail)
    record["seconds"] = round(time.perf_counter() - start, 1)
    record["size_mb"] = round(dir_size_mb(fw.venv), 1)
    (fw.venv / "install.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated subset of {','.join(PEERS)}")
    p.add_argument("--python", default=sys.executable, help="interpreter the venvs are created from")
    p.add_argument("--force", action="store_true", help="delete and recreate existing venvs")
    args = p.parse_args(argv)
    try:
        names = parse_frameworks(args.peers)
    except ValueError as err:
        p.error(str(err))
    not_peers = [n for n in names if not FRAMEWORKS[n].peer]
    if not_peers:
        p.error(f"{not_peers} need no venv (forgeml runs from the repo's .venv); choose from {','.join(PEERS)}")
    failed = 0
    for name in names:
        print(f"[{name}] installing {' '.join(FRAMEWORKS[name].pip_packages)} ...", flush=True)
        rec = install(FRAMEWORKS[name], args.python, args.force)
        if rec["ok"]:
            print(f"[{name}] ok: version {rec['version']}, {rec['seconds']:.0f}s, {rec['size_mb']:.0f} MB", flush=True)
        else:
            failed += 1
            print(f"[{name}] FAILED after {rec['seconds']:.0f}s: {rec['error']}\n{rec.get('log_tail', '')}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
