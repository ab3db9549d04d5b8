# SPDX-License-Identifier: BSD-3-Clause
"""Creating arrays: local ones (floc.ndarray, numpy's array) and, with a
distribution, distributed ones (floc.DistributedArray)."""

import numpy as np

from ._darray import DistributedArray
from ._ndarray import ndarray
from .distribution import DistributionPolicy

__all__ = ["ndarray", "from_numpy", "array", "zeros", "ones", "empty", "full", "arange",
           "distributed_zeros", "distributed_ones", "distributed_full",
           "distributed_from_numpy"]


def from_numpy(a, copy=True):
    """A floc.ndarray holding a's values; copy=False shares a's memory (a
    view both ways: writes through either show in the other)."""
    a = np.asarray(a)
    return (a.copy() if copy else a).view(ndarray)


def array(obj, dtype=None, copy=True):
    """A floc.ndarray from a list, a buffer or an array, as numpy.array."""
    return np.array(obj, dtype=dtype, copy=copy).view(ndarray)


def _local_or_distributed(make, shape, dtype, distribution, num_partitions, value=None,
                          team=None):
    if distribution is None:
        return make(shape, dtype).view(ndarray)
    d = DistributedArray(shape, dtype, distribution, num_partitions, team)
    if value is not None and value != 0:
        d.fill(value)
    return d


def zeros(shape, dtype=np.float64, distribution=None, num_partitions=0, team=None):
    """Zeros: a floc.ndarray, or with a distribution ('block', 'cyclic',
    'none', a DistributionPolicy) a DistributedArray (collective; over the
    localities of ``team``, a floc.Team, if given)."""
    return _local_or_distributed(np.zeros, shape, dtype, distribution, num_partitions,
                                 team=team)


def ones(shape, dtype=np.float64, distribution=None, num_partitions=0, team=None):
    return _local_or_distributed(np.ones, shape, dtype, distribution, num_partitions, 1, team)


def empty(shape, dtype=np.float64, distribution=None, num_partitions=0, team=None):
    """As zeros (a distributed array's memory is zeroed anyway)."""
    return _local_or_distributed(np.empty, shape, dtype, distribution, num_partitions,
                                 team=team)


def full(shape, fill_value, dtype=None, distribution=None, num_partitions=0, team=None):
    dtype = np.array(fill_value).dtype if dtype is None else np.dtype(dtype)
    if distribution is None:
        return np.full(shape, fill_value, dtype).view(ndarray)
    return DistributedArray(shape, dtype, distribution, num_partitions, team).fill(fill_value)


def arange(start, stop=None, step=1, dtype=None):
    """numpy.arange, as a floc.ndarray."""
    return np.arange(start, stop, step, dtype=dtype).view(ndarray)


def distributed_zeros(shape, dtype=np.float64, distribution=None, num_partitions=0, team=None):
    """A DistributedArray of zeros; distribution None is 'none': every
    locality holds the whole array."""
    return DistributedArray(shape, dtype, DistributionPolicy.of(distribution), num_partitions,
                            team)


def distributed_ones(shape, dtype=np.float64, distribution=None, num_partitions=0, team=None):
    return distributed_zeros(shape, dtype, distribution, num_partitions, team).fill(1)


def distributed_full(shape, fill_value, dtype=None, distribution=None, num_partitions=0,
                     team=None):
    dtype = np.array(fill_value).dtype if dtype is None else np.dtype(dtype)
    return distributed_zeros(shape, dtype, distribution, num_partitions, team).fill(fill_value)


def distributed_from_numpy(a, distribution=None, num_partitions=0, team=None):
    """A DistributedArray holding a's values (each locality passes the same
    array and keeps its own rows: nothing is sent)."""
    a = np.asarray(a)
    d = DistributedArray(a.shape, a.dtype, DistributionPolicy.of(distribution), num_partitions,
                         team)
    if d._whole is not None:
        d._whole[...] = a
        return d
    if a.ndim == 0:
        if d.local.size:
            d.local[...] = a
    else:
        d.local[...] = a[d.local_indices()].reshape(d.local.shape)
    d._pv.fence()
    return d
