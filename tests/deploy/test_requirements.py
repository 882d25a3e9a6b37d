"""requirements.txt (Streamlit Community Cloud's install) against requirements.lock (the tested versions).

The file is generated from the lock by ``.ci/cloud_requirements.py``; these tests fail when the two
disagree, when a pin drifts from the lock, or when an index could serve packages in PyPI's place.
"""

from __future__ import annotations

import importlib.util
import re
import sys

from tests.support.paths import REPO

_spec = importlib.util.spec_from_file_location("cloud_requirements", REPO / ".ci" / "cloud_requirements.py")
assert _spec is not None and _spec.loader is not None
cloud = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = cloud  # its dataclasses look their module up
_spec.loader.exec_module(cloud)

LOCK_TEXT = (REPO / "requirements.lock").read_text()
PYPROJECT_TEXT = (REPO / "pyproject.toml").read_text()
REQUIREMENTS_TEXT = (REPO / "requirements.txt").read_text()
_PIN = re.compile(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", re.MULTILINE)


def pins(text: str) -> dict[str, str]:
    return dict(_PIN.findall(text))


def test_given_the_lock_when_requirements_txt_is_generated_again_then_it_is_the_committed_file():
    # given the committed lock and pyproject.toml, when the file is rendered from them
    rendered = cloud.render(LOCK_TEXT, PYPROJECT_TEXT)
    # then it is exactly what is committed (else: python .ci/cloud_requirements.py, or bash .ci/lock)
    assert rendered == REQUIREMENTS_TEXT, "requirements.txt is stale: run python .ci/cloud_requirements.py"


def test_given_requirements_txt_then_every_pin_is_the_locks_version():
    locked = {e.name: e.version for e in cloud.read_lock(LOCK_TEXT)}
    for name, version in pins(REQUIREMENTS_TEXT).items():
        expected = f"{locked[name]}+cpu" if name in cloud.CPU_BUILDS else locked.get(name)
        assert version == expected, f"{name}=={version} in requirements.txt, the lock has {locked.get(name)}"


def test_given_requirements_txt_then_every_app_dependency_is_pinned_and_no_cuda_library_is():
    pinned = set(pins(REQUIREMENTS_TEXT))
    assert cloud.app_dependencies(PYPROJECT_TEXT) <= pinned
    assert {"torch", "torchvision", "openvino", "streamlit", "kaleido"} <= pinned
    cuda = re.compile(r"cuda-|nvidia-(cu|nccl|nvjitlink|nvshmem|nvtx)|triton$")  # nvidia-ml-py is Ultralytics' own
    assert not {n for n in pinned if cuda.match(n)}
    assert not pinned & {"pytest", "ray", "moto", "playwright", "mypy", "ruff"}  # tests and batch stay in the lock


def test_given_requirements_txt_then_no_index_can_serve_other_packages_than_pytorchs_cpu_builds():
    options = [ln.split()[0] for ln in REQUIREMENTS_TEXT.splitlines() if ln.startswith("-")]
    assert "--extra-index-url" not in options and "--index-url" not in options and "-i" not in options
    links = [ln.split()[1] for ln in REQUIREMENTS_TEXT.splitlines() if ln.startswith("--find-links")]
    assert links == [f"https://download.pytorch.org/whl/cpu/{n}/" for n in ("torch", "torchvision")]


def test_given_a_lock_with_a_new_version_when_rendered_then_requirements_txt_follows_it():
    # given the lock with numpy moved to another version
    moved = re.sub(r"(?m)^numpy==\S+", "numpy==9.9.9", LOCK_TEXT)
    # when requirements.txt is rendered from it, then it pins the new version (and differs from the committed one)
    rendered = cloud.render(moved, PYPROJECT_TEXT)
    assert pins(rendered)["numpy"] == "9.9.9" and rendered != REQUIREMENTS_TEXT


def test_given_lock_entries_for_other_platforms_then_they_are_left_out():
    # given entries that apply only on Windows, only on Python 3.13, and on Linux with CPython 3.12
    windows = cloud.LockEntry("pywin32", "312", "sys_platform == 'win32'", frozenset({"."}))
    newer = cloud.LockEntry("late", "1.0", "python_full_version >= '3.13'", frozenset({"."}))
    linux_312 = cloud.LockEntry("soon", "1.0", "python_full_version >= '3.12'", frozenset({"."}))
    # then only the last applies where Cloud runs
    assert [e.on_linux_x86_64() for e in (windows, newer, linux_312)] == [False, False, True]
