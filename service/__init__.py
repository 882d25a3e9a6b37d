"""The workspace's services: what the pages ask for that is more than storage.

``Desk`` is one signed-in account's view of the workspace (database, clips and
the acting user bound once), so pages call ``desk.inbox()`` instead of passing
``(db, me)`` to every call. Domain work that needs a stored result, such as
grading a saved set as another lift, runs here, outside any database transaction.
No Streamlit here.
"""

from service.desk import Desk
from service.regrade import regrade_analysis

__all__ = ["Desk", "regrade_analysis"]
