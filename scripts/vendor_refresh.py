#!/usr/bin/env python3
"""Refresh the vendored front-end libraries in houqin/static/vendor/.

Standalone (Python 3.11, standard library only) apart from the ``npm`` CLI,
which is used solely to fetch package tarballs (``npm pack``), so the registry
location comes from the user's npm configuration and is never hard-coded here.

For every entry in ``PACKAGES`` below the script:

1. runs ``npm pack <name>@<version> --ignore-scripts`` into a temp dir,
2. checks the tarball's sha512 against the pinned ``integrity`` value,
3. reads only the listed files out of the tarball (nothing else is extracted),
4. strips ``sourceMappingURL`` comments from .js/.css (no maps are shipped),
5. writes them to ``houqin/static/vendor/<dir>/`` (only if the content changed)
   and deletes stray files in that directory that are no longer listed,

then (re)writes ``houqin/static/vendor/README.md``.  Running it twice in a row
changes nothing on the second run.

Usage:
    python scripts/vendor_refresh.py            # refresh everything
    python scripts/vendor_refresh.py htmx       # refresh only some dirs
    python scripts/vendor_refresh.py --check    # report drift, write nothing

To bump a package: change its ``version``, set ``integrity`` to ``""``, run
the script once (it prints the new integrity and stops), paste that value in,
review the upstream changes, and run it again.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# --------------------------------------------------------------------------
# Pinned packages: vendor dir -> npm name, exact version, tarball sha512
# integrity, and {path inside the package: path under the vendor dir}.
# --------------------------------------------------------------------------
PACKAGES: dict[str, dict] = {
    "bootstrap": {
        "npm": "bootstrap",
        "version": "5.3.9",
        "integrity": "sha512-20cU0rcfw8WdxtVbmfU+xT2EjvVTw9Ror/h1Qvd7DXCujRg8OO9mdBCsmTHdJFf3BuadmBNJtgIuUXsBqSkk/w==",
        "files": {
            "dist/css/bootstrap.min.css": "bootstrap.min.css",
            "dist/js/bootstrap.bundle.min.js": "bootstrap.bundle.min.js",
            "LICENSE": "LICENSE",
        },
    },
    "bootstrap-icons": {
        "npm": "bootstrap-icons",
        "version": "1.13.2",
        "integrity": "sha512-fAU1Ly3dH7hwRg+CB8EZ0Vl0fF80zgXHeUVJyfUOKzoURr+TbwISbCW5tKUoQLERaWYG2emTCybcPbD96hdD1A==",
        "files": {
            # The css refers to url("fonts/bootstrap-icons.woff2?...") so the
            # fonts must sit in fonts/ next to it.
            "font/bootstrap-icons.min.css": "bootstrap-icons.min.css",
            "font/fonts/bootstrap-icons.woff2": "fonts/bootstrap-icons.woff2",
            "font/fonts/bootstrap-icons.woff": "fonts/bootstrap-icons.woff",
            "LICENSE": "LICENSE",
        },
    },
    "htmx": {
        "npm": "htmx.org",
        "version": "2.0.11",
        "integrity": "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        "files": {
            "dist/htmx.min.js": "htmx.min.js",
            "LICENSE": "LICENSE",
        },
    },
    "echarts": {
        "npm": "echarts",
        "version": "6.1.0",
        "integrity": "sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==",
        "files": {
            "dist/echarts.min.js": "echarts.min.js",
            "LICENSE": "LICENSE",
            "NOTICE": "NOTICE",
        },
    },
    "tom-select": {
        "npm": "tom-select",
        "version": "2.6.2",
        "integrity": "sha512-eiXIkk82XzzUTOVQDFpy+ZGejuqdTvMukyUyeZBQaKnqW42UoTiTZnrod/eX0rkqJEc4rZY9DZ3zdjV07i29wQ==",
        "files": {
            "dist/js/tom-select.complete.min.js": "tom-select.complete.min.js",
            "dist/css/tom-select.bootstrap5.min.css": "tom-select.bootstrap5.min.css",
            "LICENSE": "LICENSE",
        },
    },
    "html5-qrcode": {
        "npm": "html5-qrcode",
        "version": "2.3.8",
        "integrity": "sha512-jsr4vafJhwoLVEDW3n1KvPnCCXWaQfRng0/EEYk1vNcQGcG/htAdhJX0be8YyqMoSz7+hZvOZSTAepsabiuhiQ==",
        "files": {
            "html5-qrcode.min.js": "html5-qrcode.min.js",
            "LICENSE": "LICENSE",
        },
    },
    "signature_pad": {
        "npm": "signature_pad",
        "version": "5.1.4",
        "integrity": "sha512-q0wO5a+U+AWPVcVmiNXz7FY4Ad1QiE8wto/3Yn41WVqepoVVYMvkb1CTokaWPUUAHWDLLabH3/acODeWM9jCrg==",
        "files": {
            "dist/signature_pad.umd.min.js": "signature_pad.umd.min.js",
            "LICENSE": "LICENSE",
        },
    },
}

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO_ROOT / "houqin" / "static" / "vendor"
README = VENDOR_DIR / "README.md"

# Whole-line source map comments: "//# sourceMappingURL=..." (js) and
# "/*# sourceMappingURL=... */" (css); the legacy "@" form too.
_SOURCEMAP_LINE = re.compile(
    rb"^[ \t]*(?://[#@][ \t]*sourceMappingURL=[^\r\n]*"
    rb"|/\*[#@][ \t]*sourceMappingURL=[^\r\n]*?\*/[ \t]*)(?:\r?\n|$)",
    re.MULTILINE,
)
# Same comment glued to the end of the last line of code.
_SOURCEMAP_TRAILING = re.compile(
    rb"(?://[#@][ \t]*sourceMappingURL=[^\r\n\"'`]*"
    rb"|/\*[#@][ \t]*sourceMappingURL=[^\r\n]*?\*/)[ \t]*(\r?\n)?\Z"
)


def strip_source_maps(data: bytes) -> tuple[bytes, int]:
    data, n = _SOURCEMAP_LINE.subn(b"", data)
    data, m = _SOURCEMAP_TRAILING.subn(b"", data)
    return data, n + m


def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def npm_pack(spec: str, dest: Path) -> Path:
    npm = shutil.which("npm")
    if not npm:
        sys.exit("error: npm not found on PATH")
    proc = subprocess.run(
        [npm, "pack", spec, "--ignore-scripts", "--json", "--pack-destination", str(dest)],
        cwd=dest,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"error: npm pack {spec} failed:\n{proc.stderr.strip()}")
    info = json.loads(proc.stdout)[0]
    tarball = dest / info["filename"]
    if not tarball.is_file():
        sys.exit(f"error: npm pack {spec} reported {tarball.name} but it is missing")
    return tarball


def read_members(tarball: Path, wanted: list[str]) -> tuple[dict[str, bytes], dict]:
    """Return {package-relative path: bytes} for wanted files, plus package.json.

    Files are read in memory; nothing from the archive touches the disk, so
    odd member names cannot escape the vendor directory.
    """
    found: dict[str, bytes] = {}
    want = set(wanted) | {"package.json"}
    with tarfile.open(tarball, "r:gz") as tf:
        for member in tf.getmembers():
            if not member.isfile():
                continue
            # npm tarballs have one top-level folder (normally "package/").
            parts = member.name.split("/", 1)
            if len(parts) != 2 or parts[1] not in want or parts[1] in found:
                continue
            fh = tf.extractfile(member)
            assert fh is not None
            found[parts[1]] = fh.read()
    missing = sorted(want - found.keys())
    if missing:
        sys.exit(f"error: {tarball.name} lacks: {', '.join(missing)}")
    meta = json.loads(found.pop("package.json"))
    return found, meta


def licence_of(meta: dict) -> str:
    lic = meta.get("license")
    if isinstance(lic, dict):
        lic = lic.get("type")
    if not lic and isinstance(meta.get("licenses"), list):
        lic = " OR ".join((x.get("type") if isinstance(x, dict) else str(x)) for x in meta["licenses"])
    return lic or "UNKNOWN"


def human(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} B"


def refresh_one(dirname: str, cfg: dict, tmp: Path, check: bool) -> tuple[dict, int]:
    """Vendor one package. Returns (README info, number of changes)."""
    spec = f"{cfg['npm']}@{cfg['version']}"
    print(f"[{dirname}] npm pack {spec}")
    tarball = npm_pack(spec, tmp)
    got = sri_sha512(tarball.read_bytes())
    if got != cfg["integrity"]:
        if not cfg["integrity"]:
            sys.exit(
                f"[{dirname}] no integrity pinned; {spec} tarball is:\n  {got}\n"
                "review the release, pin this value in PACKAGES and re-run"
            )
        sys.exit(
            f"[{dirname}] INTEGRITY MISMATCH for {spec}\n  pinned: {cfg['integrity']}\n"
            f"  got:    {got}\nrefusing to vendor it"
        )
    files, meta = read_members(tarball, list(cfg["files"]))
    if meta.get("name") != cfg["npm"] or meta.get("version") != cfg["version"]:
        sys.exit(f"[{dirname}] tarball says {meta.get('name')}@{meta.get('version')}, expected {spec}")

    target = VENDOR_DIR / dirname
    changes = 0
    taken = []
    for src, rel in cfg["files"].items():
        data = files[src]
        note = ""
        if rel.endswith((".js", ".css")):
            data, n = strip_source_maps(data)
            if n:
                note = f" (stripped {n} sourceMappingURL)"
        dest = target / rel
        if dest.is_file() and dest.read_bytes() == data:
            status = "unchanged"
        else:
            status = "updated" if dest.exists() else "created"
            changes += 1
            if not check:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
        print(f"  {status:9} {dest.relative_to(REPO_ROOT)}  {human(len(data))}{note}")
        taken.append((src, rel, len(data), hashlib.sha256(data).hexdigest()))

    # Remove files in this package's dir that are no longer listed.
    keep = {target / rel for rel in cfg["files"].values()}
    if target.is_dir():
        for path in sorted(target.rglob("*"), reverse=True):
            if path.is_file() and path not in keep:
                changes += 1
                print(f"  {'removed':9} {path.relative_to(REPO_ROOT)}")
                if not check:
                    path.unlink()
            elif path.is_dir() and not check and not any(path.iterdir()):
                path.rmdir()

    info = {
        "dir": dirname,
        "npm": cfg["npm"],
        "version": meta["version"],
        "licence": licence_of(meta),
        "homepage": meta.get("homepage", ""),
        "files": taken,
    }
    return info, changes


def render_readme(infos: list[dict]) -> str:
    out = [
        "# Vendored front-end libraries",
        "",
        "Generated by `scripts/vendor_refresh.py` - do not edit by hand.",
        "To change a version, edit `PACKAGES` in that script and re-run it:",
        "",
        "    python scripts/vendor_refresh.py",
        "",
        "Files are copied verbatim from the npm package tarballs (integrity-pinned),",
        "except that `sourceMappingURL` comments are removed from .js/.css because",
        "source maps are not shipped. Served from `/static/vendor/<dir>/...`.",
        "",
        "| Dir | npm package | Version | Licence |",
        "|-----|-------------|---------|---------|",
    ]
    for i in infos:
        out.append(f"| `{i['dir']}/` | `{i['npm']}` | {i['version']} | {i['licence']} |")
    out.append("")
    total = 0
    for i in infos:
        out += [f"## {i['dir']} - {i['npm']} {i['version']} ({i['licence']})", ""]
        if i["homepage"]:
            out += [f"Homepage: {i['homepage']}", ""]
        out += [
            "| File | From package path | Size | sha256 |",
            "|------|-------------------|------|--------|",
        ]
        for src, rel, size, digest in i["files"]:
            total += size
            out.append(f"| `{i['dir']}/{rel}` | `{src}` | {size:,} B | `{digest[:16]}` |")
        out.append("")
    out += [f"Total: {total:,} bytes.", ""]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("only", nargs="*", help="vendor dirs to refresh (default: all)")
    ap.add_argument(
        "--check", action="store_true", help="report what would change; write nothing; exit 1 on drift"
    )
    args = ap.parse_args()
    unknown = set(args.only) - PACKAGES.keys()
    if unknown:
        ap.error(f"unknown package dir(s): {', '.join(sorted(unknown))}; choose from {', '.join(PACKAGES)}")

    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    infos, changes = [], 0
    with tempfile.TemporaryDirectory(prefix="vendor_refresh_") as tmpdir:
        for dirname, cfg in PACKAGES.items():
            if args.only and dirname not in args.only:
                continue
            info, n = refresh_one(dirname, cfg, Path(tmpdir), args.check)
            infos.append(info)
            changes += n

    if args.only:
        print("README.md not regenerated (partial run); run without arguments to refresh it")
    else:
        text = render_readme(infos)
        if README.is_file() and README.read_text(encoding="utf-8") == text:
            print(f"unchanged {README.relative_to(REPO_ROOT)}")
        else:
            changes += 1
            print(f"{'updated' if README.exists() else 'created'} {README.relative_to(REPO_ROOT)}")
            if not args.check:
                README.write_text(text, encoding="utf-8")

    verb = "would change" if args.check else "changed"
    print(f"done: {len(infos)} package(s), {changes} file(s) {verb}")
    return 1 if (args.check and changes) else 0


if __name__ == "__main__":
    sys.exit(main())
