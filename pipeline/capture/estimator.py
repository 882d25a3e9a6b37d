"""What the pipeline asks of a pose estimator: ``PoseEstimatorLike``.

``pipeline.capture.pose.PoseEstimator`` is the one the app loads; tests pass
small fakes and the job worker a lazily loading wrapper. Decoding and tracking
(``pipeline.capture.posetrack``) use ``batch_size`` and ``detect``; the
analysis (``pipeline.run``) records the weights, device, backend and model name
it ran with. Importing this module loads no model code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from pipeline.capture.pose import Detections


class PoseEstimatorLike(Protocol):
    """A loaded pose model: every person in a batch of frames, and the settings it runs with."""

    @property
    def weights(self) -> Path:
        """The weights file the model was loaded from."""
        ...

    @property
    def device(self) -> str:
        """Where it runs, e.g. ``cpu`` or ``cuda:0``."""
        ...

    @property
    def backend(self) -> str:
        """The runtime: ``torch``, ``onnx`` or ``openvino``."""
        ...

    @property
    def model_name(self) -> str:
        """The name results record (the weights' file name, with a non-square letterbox)."""
        ...

    @property
    def batch_size(self) -> int:
        """How many frames ``detect`` is best given at once."""
        ...

    def detect(self, images: Sequence[np.ndarray], *, mirror_average: bool = False) -> list[Detections]:
        """Every person in each frame (all of one size), in the frames' pixels; ``mirror_average``: each
        frame's answer averaged with its mirror image's (``pipeline.capture.mirror``)."""
        ...
