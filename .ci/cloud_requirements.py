"""Write requirements.txt (what Streamlit Community Cloud installs) from requirements.lock.

    python .ci/cloud_requirements.py           # rewrite requirements.txt (run by .ci/lock)
    python .ci/cloud_requirements.py --check   # exit status 1 when requirements.txt is not what the lock gives

The file pins exactly the lock's versions of what ``app.py`` needs: ``[project].dependencies``
of pyproject.toml and everything the lock says they pull in (no test tools, no Ray), for
Linux x86-64 (Cloud's machines). PyTorch and torchvision are the lock's versions in their CPU
builds (``+cpu``): the lock's Linux PyTorch is the CUDA build, whose CUDA libraries (several GB)
do not fit Cloud, and the CPU build is published only on PyTorch's own index. That index is never
an extra index here, where it could serve other packages in PyPI's place: ``--find-links`` names
its torch and torchvision pages only, and only a ``+cpu`` version matches there. Then ``-e .``,
the app itself (its version is read from the installed metadata).

No hashes: Cloud's pip (its fallback) refuses hashes next to ``-e .``, and the CPU builds' hashes
are PyTorch's index's. The test tests/deploy/test_requirements.py fails when this file and the
lock disagree.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
OUTPUT = ROOT / "requirements.txt"
PYTHONS = ("3.11", "3.12")
CPU_BUILDS = ("torch", "torchvision")  # installed as <lock's version>+cpu
CPU_PAGES = tuple(f"https://download.pytorch.org/whl/cpu/{name}/" for name in CPU_BUILDS)
_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\\n]+?))?\s*\\?$")
_VIA_ONE = re.compile(r"^\s*# via (.+)$")
_VIA_MANY = re.compile(r"^\s*#\s{3}(\S.*)$")

HEADER = """\
# Streamlit Community Cloud installs this file (with uv, else pip) before starting app.py.
# Generated from requirements.lock by .ci/cloud_requirements.py (run by bash .ci/lock): do not edit.
# The lock's exact versions of everything the app needs, for Linux x86-64, CPython 3.11 or 3.12.
# PyTorch and torchvision are the CPU builds of the lock's versions (the CUDA build's libraries do
# not fit Cloud): --find-links names PyTorch's torch and torchvision pages, never its whole index,
# so no other package can come from there instead of PyPI.
"""


@dataclass(frozen=True)
class LockEntry:
    """One pin of the lock with the marker it applies under and who pulls it in (canonical names)."""

    name: str
    version: str
    marker: str | None
    via: frozenset[str]

    def on_linux_x86_64(self) -> bool:
        """True when the pin applies on Linux x86-64 with some supported CPython."""
        return self.marker is None or any(Marker(self.marker).evaluate(_linux(py)) for py in PYTHONS)

    @property
    def linux_only(self) -> bool:
        return self.marker is not None and "sys_platform == 'linux'" in self.marker


def _linux(python: str) -> dict[str, str]:
    return {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
        "platform_python_implementation": "CPython",
        "implementation_name": "cpython",
        "python_version": python,
        "python_full_version": f"{python}.0",
        "extra": "",
    }


def read_lock(text: str) -> list[LockEntry]:
    """The lock's pins with their markers and their ``# via`` lines."""
    entries: list[LockEntry] = []
    current: tuple[str, str, str | None] | None = None
    via: set[str] = set()
    for line in [*text.splitlines(), "end==0"]:
        if (m := _ENTRY.match(line)) is not None:
            if current is not None:
                entries.append(LockEntry(*current, frozenset(via)))
            current, via = (canonicalize_name(m.group(1)), m.group(2), m.group(3)), set()
        elif (m := _VIA_ONE.match(line) or _VIA_MANY.match(line)) is not None:
            who = m.group(1).strip()
            via.add("." if who.endswith("(pyproject.toml)") else canonicalize_name(who))
    return entries


def app_dependencies(pyproject_text: str) -> set[str]:
    """Canonical names in ``[project].dependencies`` (extras such as ``streamlit[auth]`` are pulled in
    through the lock's ``# via`` lines of the package that has them)."""
    deps = tomllib.loads(pyproject_text)["project"]["dependencies"]
    return {canonicalize_name(Requirement(d).name) for d in deps}


def app_closure(entries: list[LockEntry], roots: set[str]) -> list[LockEntry]:
    """The entries the app needs on Linux x86-64: the roots, then whatever an included entry pulls in,
    except what only PyTorch's CUDA build pulls in (PyTorch's Linux-only requirements)."""
    on_linux = [e for e in entries if e.on_linux_x86_64()]
    included = {e.name for e in on_linux if e.name in roots}
    changed = True
    while changed:
        changed = False
        for e in on_linux:
            parents = e.via & included
            if e.name in included or not parents:
                continue
            if parents <= set(CPU_BUILDS) and e.linux_only:
                continue  # the CUDA stack: the CPU build needs none of it
            included.add(e.name)
            changed = True
    return [e for e in on_linux if e.name in included]


def render(lock_text: str, pyproject_text: str) -> str:
    """requirements.txt's text for this lock and pyproject.toml."""
    entries = app_closure(read_lock(lock_text), app_dependencies(pyproject_text))
    lines = [HEADER, *(f"--find-links {page}\n" for page in CPU_PAGES)]
    for e in entries:
        version = f"{e.version}+cpu" if e.name in CPU_BUILDS else e.version
        lines.append(f"{e.name}=={version}" + (f" ; {e.marker}" if e.marker else "") + "\n")
    lines.append("# The app itself: its dependencies as declared in pyproject.toml, all pinned above.\n-e .\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only say whether requirements.txt is up to date")
    args = ap.parse_args(argv)
    text = render(LOCK.read_text(), PYPROJECT.read_text())
    if args.check:
        if OUTPUT.read_text() != text:
            print("requirements.txt differs from what requirements.lock gives: run python .ci/cloud_requirements.py")
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"requirements.txt: {sum(1 for ln in text.splitlines() if '==' in ln)} pins from requirements.lock")
    return 0


if __name__ == "__main__":
    sys.exit(main())
