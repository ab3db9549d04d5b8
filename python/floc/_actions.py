# SPDX-License-Identifier: BSD-3-Clause
"""Remote actions from Python: run a function on another locality.

    import floc
    def norm(i):                          # module level: sent by reference
        return float(np.linalg.norm(local_rows(i)))
    f = floc.async_(3, norm, 17)          # a future
    print(f.result(), floc.call(3, norm, 18), floc.run_on_all(norm, 0))

The function travels by reference (its module and name: every locality
runs the same program), the arguments and the result are pickled.  An
exception raised there is raised here, its remote traceback chained as
the cause.  Underneath is one C action (python/src/action.c): a
locality serves calls whenever it waits in floc (any floc call), or in
floc's progress thread (FLOC_PROGRESS=thread) while it computes.
"""

import pickle
import traceback

from . import _floc

__all__ = ["async_", "call", "run_on_all", "RemoteTraceback"]

_REPLY_MAX = _floc.ACTION_REPLY_MAX
_held = {}          # large results kept here until their caller fetches them
_next_handle = [0]


class RemoteTraceback(Exception):
    """The traceback of an exception raised on another locality (the
    ``__cause__`` of the exception re-raised at the caller)."""

    def __init__(self, tb):
        super().__init__(tb)
        self.tb = tb

    def __str__(self):
        return self.tb


def _serve(payload):
    """Run on the target by the C handler: the reply's bytes."""
    kind = bytes(payload[:1])
    if kind == b"F":            # the rest of a large result
        return _held.pop(int.from_bytes(payload[1:9], "little"), b"")
    try:
        fn, args, kwargs = pickle.loads(payload[1:])
        reply = b"R" + pickle.dumps(fn(*args, **kwargs), protocol=5)
    except BaseException as e:  # noqa: B902  (every exception goes back to the caller)
        tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        try:
            exc = pickle.dumps(e, protocol=5)
            pickle.loads(exc)
        except Exception:
            exc = None
        reply = b"E" + pickle.dumps((exc, type(e).__name__, str(e), tb, _floc.locality_id()),
                                    protocol=5)
    if len(reply) > _REPLY_MAX:
        handle = _next_handle[0]
        _next_handle[0] += 1
        _held[handle] = reply
        return b"H" + handle.to_bytes(8, "little") + len(reply).to_bytes(8, "little")
    return reply


def _decode(locality):
    def decode(reply):
        if reply[:1] == b"H":
            handle, size = reply[1:9], int.from_bytes(reply[9:17], "little")
            reply = _floc._action_async(locality, b"F" + handle, size).result()
        if reply[:1] == b"R":
            return pickle.loads(reply[1:])
        exc, name, msg, tb, where = pickle.loads(reply[1:])
        e = pickle.loads(exc) if exc is not None else RuntimeError("%s: %s" % (name, msg))
        e.__cause__ = RemoteTraceback('\n"""\nTraceback on locality %d:\n%s"""' % (where, tb))
        raise e
    return decode


def _payload(fn, args, kwargs, func):
    if not callable(fn):
        raise TypeError("floc.%s: fn must be a function, not %s" % (func, type(fn).__name__))
    try:
        return b"C" + pickle.dumps((fn, args, kwargs), protocol=5)
    except (pickle.PicklingError, AttributeError, TypeError) as e:
        what = getattr(fn, "__qualname__", repr(fn))
        if "<lambda>" in what or "<locals>" in what:
            raise TypeError("floc.%s: %s is not a module-level function: functions are sent by "
                            "reference (module and name), so every locality must be able to "
                            "import it" % (func, what)) from e
        raise TypeError("floc.%s: the arguments cannot be pickled: %s" % (func, e)) from e


def async_(locality, fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` on ``locality``: a future of its result
    (``.result()``, ``.done()``, ``.exception()``)."""
    f = _floc._action_async(locality, _payload(fn, args, kwargs, "async_"), _REPLY_MAX)
    f._then(_decode(locality))
    return f


def call(locality, fn, *args, **kwargs):
    """``async_(...).result()``: run ``fn`` there and wait for its result."""
    return async_(locality, fn, *args, **kwargs).result()


def run_on_all(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` on every locality (this one too): the
    results in locality order.  Not collective: only the caller calls it."""
    payload = _payload(fn, args, kwargs, "run_on_all")
    futures = []
    for k in range(_floc.num_localities()):
        f = _floc._action_async(k, payload, _REPLY_MAX)
        f._then(_decode(k))
        futures.append(f)
    return [f.result() for f in futures]
