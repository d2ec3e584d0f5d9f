"""Tie a child process's life to ours, so that nothing we start outlives us."""

import ctypes
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """`preexec_fn` for Popen: the kernel SIGKILLs the child when its parent thread dies.

    Linux only (prctl PR_SET_PDEATHSIG), elsewhere a no-op. It survives the switch to
    another user that Popen's `user=` makes first, and it fires when the *thread*
    that started the child ends: start children from a thread that lives as long as
    the process (the main thread).
    """
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
