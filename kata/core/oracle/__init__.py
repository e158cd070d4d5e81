"""The kata's public API computed by PyTorch in float64: the reference every case is compared with.

One module per exercise, as in exercises/. Each Value wraps a scalar tensor.
Forward values are PyTorch's; gradients come from torch.autograd, never from
the formulas the learner writes. Only the error contract (which bad inputs
raise what) is the kata's own.
"""

from __future__ import annotations

import gc
import warnings

# PyTorch warns on import when NumPy is absent; the oracle never needs NumPy.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch  # noqa: E402  (after the filter above)

# PyTorch's 165,000 objects live until exit anyway: frozen, the cyclic garbage
# collector no longer walks them, above all while the interpreter shuts down
# (0.4 s of every run that imports PyTorch, measured by make bench).
gc.freeze()


def leaf(x: float) -> torch.Tensor:
    """A scalar leaf of float64, from the exact Python float: going through float32 would lose about 1e-7."""
    return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
