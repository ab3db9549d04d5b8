# SPDX-License-Identifier: BSD-3-Clause
"""How a distributed array is laid out over the localities (HPXPy's
``hpx.distribution``).

    none / local   not distributed: every locality holds the whole array
    block          each locality one contiguous range of rows (whole rows
                   along axis 0), in locality order, the longer ones first;
                   with num_partitions = k (not the locality count): k
                   chunks of ceil(rows / k) rows dealt round robin
    cyclic         row i on locality i % num_localities
"""

import enum

from . import _floc

__all__ = ["DistributionPolicy", "get_locality_id", "get_num_localities"]


class DistributionPolicy(enum.Enum):
    none = "none"
    block = "block"
    cyclic = "cyclic"
    local = "none"     # an alias of none

    @classmethod
    def of(cls, d):
        """A policy from None, a name ('none', 'local', 'block', 'cyclic')
        or a DistributionPolicy."""
        if d is None:
            return cls.none
        if isinstance(d, cls):
            return d
        if isinstance(d, str):
            try:
                return cls[d.lower()]
            except KeyError:
                pass
        raise ValueError("Unknown distribution: %r (None, 'none', 'local', 'block', 'cyclic' "
                         "or a floc.DistributionPolicy)" % (d,))

    def __str__(self):
        return self.value


def get_locality_id():
    """This locality's id."""
    return _floc.locality_id()


def get_num_localities():
    """The number of localities of the job."""
    return _floc.num_localities()
