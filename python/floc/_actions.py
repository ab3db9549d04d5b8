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

Buffers travel out of band (pickle protocol 5): a numpy array (any
contiguous buffer) of OOB_MIN bytes or more is not copied into the
pickle; the message is [tag | counts | pickle | buffers], gathered into
one payload (one copy), and a result's arrays at the caller are views of
the reply floc wrote (no copy).  The target copies an argument's bytes
out of floc's buffer once (they are floc's only during the call).
"""

import pickle
import struct
import traceback

import numpy as np

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


OOB_MIN = 4096      # smaller buffers stay inside the pickle
_ALIGN = 64         # out-of-band buffers start at multiples of this
_FRAME = struct.Struct("<IQ")   # after an out-of-band tag: buffers, pickle bytes


def _dumps(tag, obj):
    """tag + obj pickled: tag.upper() with everything in the pickle, or
    tag.lower() and the frame with the large buffers out of band."""
    bufs = []

    def out_of_band(pb):
        try:
            raw = pb.raw()
        except BufferError:         # not contiguous: pickle copies it in band
            return True
        if raw.nbytes < OOB_MIN:
            return True
        bufs.append(raw)
        return False
    head = pickle.dumps(obj, protocol=5, buffer_callback=out_of_band)
    if not bufs:
        return tag + head
    lens = [b.nbytes for b in bufs]
    at = 1 + _FRAME.size + 8 * len(bufs)
    start = at + len(head)
    offsets = []
    for n in lens:
        start = -(-start // _ALIGN) * _ALIGN
        offsets.append(start)
        start += n
    out = np.empty(start, np.uint8)         # untouched until written
    mv = memoryview(out)
    mv[0:1] = tag.lower()
    _FRAME.pack_into(mv, 1, len(bufs), len(head))
    struct.pack_into("<%dQ" % len(bufs), mv, 1 + _FRAME.size, *lens)
    mv[at:at + len(head)] = head
    for off, b in zip(offsets, bufs):
        mv[off:off + b.nbytes] = b
    return out


def _loads(mv, copy):
    """(tag's upper-case byte value, object) of a message of _dumps, as a
    memoryview; copy: the out-of-band buffers are copied out (mv is only
    lent)"""
    tag = mv[0]
    if tag < 0x60:              # upper case: everything in the pickle
        return tag, pickle.loads(mv[1:])
    nbuf, hlen = _FRAME.unpack_from(mv, 1)
    lens = struct.unpack_from("<%dQ" % nbuf, mv, 1 + _FRAME.size)
    at = 1 + _FRAME.size + 8 * nbuf
    head = mv[at:at + hlen]
    start = at + hlen
    bufs = []
    for n in lens:
        start = -(-start // _ALIGN) * _ALIGN
        b = mv[start:start + n]
        bufs.append(np.array(b) if copy else b)
        start += n
    return tag - 0x20, pickle.loads(head, buffers=bufs)


def _serve(payload):
    """Run on the target by the C handler: the reply's bytes (an object
    with the buffer protocol)."""
    kind = bytes(payload[:1])
    if kind == b"F":            # the rest of a large result
        return _held.pop(int.from_bytes(payload[1:9], "little"), b"")
    try:
        _, (fn, args, kwargs) = _loads(payload, copy=True)
        reply = _dumps(b"R", fn(*args, **kwargs))
    except BaseException as e:  # noqa: B902  (every exception goes back to the caller)
        tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        try:
            exc = pickle.dumps(e, protocol=5)
            pickle.loads(exc)
        except Exception:
            exc = None
        reply = b"E" + pickle.dumps((exc, type(e).__name__, str(e), tb, _floc.locality_id()),
                                    protocol=5)
    if memoryview(reply).nbytes > _REPLY_MAX:
        handle = _next_handle[0]
        _next_handle[0] += 1
        _held[handle] = reply
        return b"H" + handle.to_bytes(8, "little") + memoryview(reply).nbytes.to_bytes(8, "little")
    return reply


def _decode(locality):
    def decode(reply):
        # reply: a bytearray floc wrote; the result's buffers stay in it
        mv = memoryview(reply)
        if reply[:1] == b"H":
            handle, size = reply[1:9], int.from_bytes(reply[9:17], "little")
            mv = memoryview(_floc._action_async(locality, b"F" + handle, size).result())
        tag, value = _loads(mv, copy=False)
        if tag == 0x52:         # "R"
            return value
        exc, name, msg, tb, where = value
        e = pickle.loads(exc) if exc is not None else RuntimeError("%s: %s" % (name, msg))
        e.__cause__ = RemoteTraceback('\n"""\nTraceback on locality %d:\n%s"""' % (where, tb))
        raise e
    return decode


def _payload(fn, args, kwargs, func):
    if not callable(fn):
        raise TypeError("floc.%s: fn must be a function, not %s" % (func, type(fn).__name__))
    try:
        return _dumps(b"C", (fn, args, kwargs))
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
