# SPDX-License-Identifier: BSD-3-Clause
"""The exceptions floc raises.

Every failure of the library is a FlocError carrying the C library's error
code (``.code``, a negative ``FLOC_ERR_*`` value).  The common ones have
their own classes, which also derive from the built-in exception a Python
programmer would catch for them (ValueError for a bad argument,
TimeoutError for a wait that ran out, ...).
"""

__all__ = [
    "FlocError", "InvalidArgumentError", "OutOfMemoryError", "PeerLostError",
    "FlocTimeoutError", "NotSupportedError", "BusyError", "FabricError",
    "LaunchError", "AccessError", "TruncatedError", "OSLevelError",
    "CanceledError", "MismatchError", "StateError",
]


class FlocError(RuntimeError):
    """A floc operation failed; ``code`` is floc's error code (< 0)."""

    code = None

    def __init__(self, message, code=None):
        super().__init__(message)
        if code is not None:
            self.code = code


class InvalidArgumentError(FlocError, ValueError):
    """An argument floc refused (FLOC_ERR_INVALID)."""
    code = -1


class OutOfMemoryError(FlocError, MemoryError):
    """FLOC_ERR_NOMEM."""
    code = -2


class PeerLostError(FlocError):
    """Another locality of the job died, froze or was cut off
    (FLOC_ERR_PEER_LOST): the job cannot go on."""
    code = -3


class FlocTimeoutError(FlocError, TimeoutError):
    """A wait ran past its timeout (FLOC_ERR_TIMEOUT, FLOC_WAIT_TIMEOUT)."""
    code = -4


class NotSupportedError(FlocError, NotImplementedError):
    """FLOC_ERR_NOT_SUPPORTED: not with this provider or build."""
    code = -6


class BusyError(FlocError):
    """FLOC_ERR_BUSY: operations or registrations are still live."""
    code = -7


class FabricError(FlocError):
    """FLOC_ERR_FABRIC: libfabric failed."""
    code = -8


class LaunchError(FlocError):
    """FLOC_ERR_LAUNCH: the launcher (PMIx) failed."""
    code = -9


class AccessError(FlocError):
    """FLOC_ERR_ACCESS: a remote access outside a registered region."""
    code = -10


class TruncatedError(FlocError):
    """FLOC_ERR_TRUNCATED: a message larger than its receive buffer."""
    code = -11


class OSLevelError(FlocError, OSError):
    """FLOC_ERR_SYSTEM: the operating system or hwloc failed."""
    code = -12


class CanceledError(FlocError):
    """FLOC_ERR_CANCELED."""
    code = -13


class MismatchError(FlocError, ValueError):
    """The localities called a collective differently (another operation,
    shape, dtype, op or root): raised on every locality
    (FLOC_ERR_MISMATCH)."""
    code = -14


class StateError(FlocError):
    """FLOC_ERR_STATE: not allowed now (already initialized, finalized, or
    a forked child)."""
    code = -15


# floc error code -> class (the C extension raises through this table)
BY_CODE = {cls.code: cls for cls in (
    InvalidArgumentError, OutOfMemoryError, PeerLostError, FlocTimeoutError,
    NotSupportedError, BusyError, FabricError, LaunchError, AccessError,
    TruncatedError, OSLevelError, CanceledError, MismatchError, StateError)}

# shown as floc.PeerLostError (the public name), not floc._errors.PeerLostError
for _cls in [FlocError] + list(BY_CODE.values()):
    _cls.__module__ = "floc"
del _cls
