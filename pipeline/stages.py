"""The analysis' stages: their names in words (the one table) and their usual share of the time."""

from __future__ import annotations

# Share of the total time each stage usually takes (pose dominates).
STAGE_SHARE = {"probe": 0.02, "model": 0.03, "pose": 0.9, "signals": 0.05}
STAGE_LABELS = {  # the one table of stage names in words (the analysis and the job panel)
    "queued": "Waiting for the analysis to start",
    "probe": "Reading the video",
    "model": "Loading the pose model",
    "pose": "Finding the lifter and tracking joints",
    "signals": "Measuring and grading each rep",
    "done": "Done",
}
