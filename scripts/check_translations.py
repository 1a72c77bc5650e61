#!/usr/bin/env python
"""Fail when the English catalogue misses a translation or is out of date.

1. Runs ``makemessages`` into a temporary copy of the catalogue and fails on any msgid that the
   committed ``locale/en/LC_MESSAGES/django.po`` does not have (text added without `make messages`).
2. Fails on any empty or fuzzy translation in the committed catalogue.
3. Fails when the committed .mo is not the compiled .po (run `make messages`).
Needs GNU gettext (xgettext, msgfmt); .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"


def parse_po(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid (with context) -> (msgstr, fuzzy). Small parser: enough for our catalogue."""
    entries: dict[str, tuple[str, bool]] = {}
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    for block in blocks:
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        fields: dict[str, list[str]] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            for key in ("msgctxt", "msgid_plural", "msgid", "msgstr[0]", "msgstr[1]", "msgstr"):
                if line.startswith(key + " "):
                    current = key
                    fields[key] = [line[len(key) + 1 :].strip().strip('"')]
                    break
            else:
                if line.startswith('"') and current:
                    fields[current].append(line.strip().strip('"'))
        msgid = "".join(fields.get("msgid", []))
        if not msgid:
            continue
        key = "".join(fields.get("msgctxt", [])) + "\x04" + msgid
        msgstr = "".join(fields.get("msgstr", fields.get("msgstr[0]", [])))
        entries[key] = (msgstr, fuzzy)
    return entries


def main() -> int:
    if not shutil.which("xgettext") or not shutil.which("msgfmt"):
        print("check_translations: GNU gettext is not installed (apt-get install gettext)")
        return 1
    problems = []
    for domain in ("django", "djangojs"):
        po = LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po"
        if not po.exists():
            problems.append(f"{po} is missing: run `make messages`")
            continue
        committed = parse_po(po)
        with tempfile.TemporaryDirectory() as tmp:
            # makemessages writes into the locale folder nearest each source file, so it runs in a
            # copy of the tree: the committed catalogue is never touched by the check.
            tree = Path(tmp) / "tree"
            shutil.copytree(
                ROOT / "houqin", tree / "houqin", ignore=shutil.ignore_patterns("vendor", "__pycache__")
            )
            shutil.copytree(LOCALE, tree / "locale")
            shutil.copy(ROOT / "manage.py", tree / "manage.py")
            work = tree / "locale"
            env = {
                **os.environ,
                "HOUQIN_LOCALE_DIR": str(work),
                "PYTHONPATH": str(tree),
                "HOUQIN_VAR_DIR": str(Path(tmp) / "var"),
            }
            args = [
                sys.executable,
                "manage.py",
                "makemessages",
                "-l",
                "en",
                "--no-location",
                "-d",
                domain,
                "-i",
                ".venv/*",
                "-i",
                "bench/*",
                "-i",
                "var/*",
                "-i",
                "houqin/static/vendor/*",
            ]
            subprocess.run(args, cwd=tree, env=env, check=True, capture_output=True)
            fresh = parse_po(work / "en" / "LC_MESSAGES" / f"{domain}.po")
        for key in fresh:
            if key not in committed:
                problems.append(f"{domain}: not in the catalogue: {key.split(chr(4))[1]!r}")
        for key, (msgstr, fuzzy) in committed.items():
            if key in fresh and (not msgstr or fuzzy):
                problems.append(
                    f"{domain}: untranslated{' (fuzzy)' if fuzzy else ''}: {key.split(chr(4))[1]!r}"
                )
        mo = po.with_suffix(".mo")
        with tempfile.TemporaryDirectory() as tmp:
            fresh_mo = Path(tmp) / "fresh.mo"
            subprocess.run(["msgfmt", "--check-format", "-o", str(fresh_mo), str(po)], check=True)
            if not mo.exists() or fresh_mo.read_bytes() != mo.read_bytes():
                problems.append(f"{mo} is out of date: run `make messages`")
    for p in problems:
        print(p)
    if problems:
        print(f"check_translations: {len(problems)} problem(s). Run `make messages` and translate.")
        return 1
    print("check_translations: the English catalogue is complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
