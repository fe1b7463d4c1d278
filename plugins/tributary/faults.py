"""Test hook for kill tests: named points where a process may be SIGKILLed on purpose.

Code that must lose nothing when killed calls ``checkpoint("<domain>.<point>")`` at the moments
worth testing (after the first chunk, inside a commit, before a source is deleted). Nothing
happens unless the environment variable ``TRIBUTARY_KILL_AT`` names that point: then the process
kills itself with SIGKILL, like the OOM killer or a lost worker would, so no ``finally`` or
``atexit`` runs. Production cost: one dictionary lookup per call. Only tests set the variable.
"""

from __future__ import annotations

import os
import signal

from tributary import settings


def checkpoint(point: str) -> None:
    """SIGKILL this process if ``TRIBUTARY_KILL_AT`` names ``point``."""
    if settings.kill_at() == point:
        os.kill(os.getpid(), signal.SIGKILL)
