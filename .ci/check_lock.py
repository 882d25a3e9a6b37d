"""Prove from the package index that requirements.lock installs on each supported CPython on Linux
x86-64 from wheels alone, every file one whose sha256 the lock holds.

    python .ci/check_lock.py                  # CPython 3.11 and 3.12
    python .ci/check_lock.py --python 3.12    # one of them

For each Python it takes the pins whose markers apply there (Linux, x86-64) and asks pip which file
it would install for each (``pip install --dry-run --report``, wheels only, hashes required, the
index's metadata only: no wheel is downloaded), then checks that the file is a wheel for that
interpreter and for glibc 2.31 or older (Debian 11, the base of Streamlit Community Cloud) and that
its sha256 is among the pin's hashes. Prints one line per pin and a count; exit status 1 naming the
pins that fail. Needs ``packaging`` and ``pip``; run by ``.ci/lock``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PYTHONS = ("3.11", "3.12")
GLIBC = (2, 31)  # Debian 11 (bullseye): what Community Cloud's image is built on
INDEX = "https://pypi.org/simple"
_ENTRY = re.compile(r"(?m)^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\\n]+?))?\s*\\?$")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class Pin:
    """One entry of the lock: name==version, the marker it applies under, its allowed sha256s."""

    name: str
    version: str
    marker: str | None
    hashes: frozenset[str]

    def applies(self, python: str) -> bool:
        return self.marker is None or Marker(self.marker).evaluate(linux_x86_64(python))


@dataclass(frozen=True)
class Verdict:
    pin: Pin
    filename: str
    problem: str | None  # None: installs from this wheel

    @property
    def kind(self) -> str:
        if not self.filename.endswith(".whl"):
            return "source"
        tags = next(iter(parse_wheel_filename(self.filename)[3]))
        return "pure Python" if tags.platform == "any" else "abi3" if tags.abi == "abi3" else "binary"


def read_pins(text: str) -> list[Pin]:
    """The lock's entries; an entry's hashes are the ``--hash`` lines up to the next entry."""
    starts = list(_ENTRY.finditer(text))
    pins = []
    for here, after in zip(starts, [*starts[1:], None], strict=True):
        body = text[here.end() : after.start() if after else len(text)]
        name, version, marker = here.group(1), here.group(2), here.group(3)
        pins.append(Pin(canonicalize_name(name), version, marker, frozenset(_HASH.findall(body))))
    return pins


def linux_x86_64(python: str) -> dict[str, str]:
    """Marker environment of CPython ``python`` (e.g. "3.12") on Linux x86-64."""
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "posix",
        "platform_machine": "x86_64",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "linux",
        "extra": "",
    }


def platforms() -> list[str]:
    """manylinux platform tags a glibc-``GLIBC`` x86-64 machine installs, newest first."""
    major, newest = GLIBC
    tags = [f"manylinux_{major}_{minor}_x86_64" for minor in range(newest, 4, -1)]
    return [*tags, "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]


def supported_tags(python: str) -> set[Tag]:
    version = tuple(int(p) for p in python.split("."))
    abi = f"cp{version[0]}{version[1]}"
    return {
        *cpython_tags(version, [abi], platforms()),
        *compatible_tags(version, abi, platforms()),
    }


def chosen_files(pins: list[Pin], python: str) -> dict[str, tuple[str, str]]:
    """{name: (file name, sha256)} pip would install on ``python`` for these pins, read from the index."""
    abi = "cp" + python.replace(".", "")
    with tempfile.TemporaryDirectory(prefix="check-lock-") as tmp:
        reqs, report = Path(tmp) / "pins.txt", Path(tmp) / "report.json"
        reqs.write_text(
            "".join(
                f"{p.name}=={p.version} " + " ".join(f"--hash=sha256:{h}" for h in sorted(p.hashes)) + "\n"
                for p in pins
            )
        )
        platform_args = [a for tag in platforms() for a in ("--platform", tag)]
        cmd = [sys.executable, "-m", "pip", "install", "--isolated", "--index-url", INDEX, "--dry-run", "--quiet"]
        cmd += ["--ignore-installed", "--no-deps", "--only-binary=:all:", "--require-hashes", "--report", str(report)]
        cmd += ["--target", str(Path(tmp) / "target"), "--python-version", python, "--implementation", "cp"]
        cmd += ["--abi", abi, *platform_args, "-r", str(reqs)]
        if os.environ.get("PIP_CERT"):
            cmd += ["--cert", os.environ["PIP_CERT"]]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"pip finds no wheel-only install for CPython {python}:\n{done.stderr[-3000:]}")
        installs = json.loads(report.read_text())["install"]
    out = {}
    for item in installs:
        url = item["download_info"]["url"]
        digest = item["download_info"].get("archive_info", {}).get("hashes", {}).get("sha256", "")
        out[canonicalize_name(item["metadata"]["name"])] = (url.rsplit("/", 1)[-1], digest)
    return out


def judge(pin: Pin, chosen: tuple[str, str] | None, tags: set[Tag]) -> Verdict:
    if chosen is None:
        return Verdict(pin, "", "pip chose no file")
    filename, digest = chosen
    if not filename.endswith(".whl"):
        return Verdict(pin, filename, "not a wheel: it would be built from source")
    if not parse_wheel_filename(filename)[3] & tags:
        return Verdict(pin, filename, "the wheel's tags do not fit this Python and platform")
    if digest not in pin.hashes:
        return Verdict(pin, filename, f"sha256 {digest or '(none given)'} is not among the lock's hashes")
    return Verdict(pin, filename, None)


def check(pins: list[Pin], python: str) -> list[Verdict]:
    here = [p for p in pins if p.applies(python)]
    chosen = chosen_files(here, python)
    tags = supported_tags(python)
    return [judge(p, chosen.get(p.name), tags) for p in here]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", action="append", help="CPython version, e.g. 3.12 (default: 3.11 and 3.12)")
    ap.add_argument("--quiet", action="store_true", help="print only the count and any failures")
    args = ap.parse_args(argv)
    pins = read_pins(LOCK.read_text())
    failed = 0
    for python in args.python or PYTHONS:
        verdicts = check(pins, python)
        bad = [v for v in verdicts if v.problem]
        failed += len(bad)
        for v in verdicts if not args.quiet else bad:
            line = f"  cp{python.replace('.', '')} {v.pin.name}=={v.pin.version:<14} {v.filename}"
            print(line + (f"  FAILS: {v.problem}" if v.problem else ""))
        kinds = {k: sum(v.kind == k for v in verdicts if not v.problem) for k in ("binary", "abi3", "pure Python")}
        print(
            f"CPython {python}, Linux x86-64, glibc <= {GLIBC[0]}.{GLIBC[1]}: {len(verdicts)} pins apply, "
            f"{len(verdicts) - len(bad)} install from a wheel whose sha256 is in the lock "
            f"({kinds['binary']} built for cp{python.replace('.', '')}, {kinds['abi3']} abi3, "
            f"{kinds['pure Python']} pure Python), {len(bad)} do not"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
