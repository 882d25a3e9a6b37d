"""Grade a saved set as another lift, without the video or the model."""

from __future__ import annotations

from pipeline.judge.lifts import LiftChoice
from pipeline.run import regrade
from pipeline.types import AnalysisResult
from store import Account, Database, open_analysis, save_regraded
from store.uploads import checked_lift


def regrade_analysis(db: Database, user: Account, analysis_id: int, lift: str | LiftChoice) -> AnalysisResult:
    """The saved analysis graded as ``lift`` (a ``LiftChoice``, a catalogue id or name, or "auto" to recognise
    it again), stored in its place and returned.

    Anyone who may open it may correct its lift: its owner and their coaches. The measures stay as they
    were (``pipeline.run.regrade``); a name not in the catalogue is refused as at upload."""
    wanted = checked_lift(lift)
    stored = open_analysis(db, user, analysis_id).result
    result = regrade(stored, wanted)
    save_regraded(db, user, analysis_id, result)
    return result
