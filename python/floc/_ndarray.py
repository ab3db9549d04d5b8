# SPDX-License-Identifier: BSD-3-Clause
"""floc.ndarray: numpy's array, as floc hands it out."""

import numpy as np


class ndarray(np.ndarray):
    """A numpy array (a subclass: every numpy function and operator applies,
    and the buffer protocol hands it to floc without a copy), with
    HPXPy's ``to_numpy()``.  Local math is numpy's: floc adds nothing to
    it."""

    def to_numpy(self):
        """The same memory as a plain numpy.ndarray (no copy)."""
        return self.view(np.ndarray)


def like(result, model):
    """result as a floc.ndarray when model is one (floc.ndarray in,
    floc.ndarray out), else unchanged."""
    return result.view(ndarray) if isinstance(model, ndarray) else result
