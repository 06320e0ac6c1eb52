"""Plain PyTorch recurrent networks: cells, layers and heads, with no scikit-learn in them."""

from .cells import ElmanCell, GRUCell, LSTMCell, PeepholeLSTMCell, StepBatchNorm
from .heads import (
    EncoderDecoder,
    RecurrentNet,
    SequenceToSequence,
    SequenceToVector,
    VectorToSequence,
)
from .layers import (
    CELLS,
    CustomRNN,
    Recurrence,
    estimate_batch_norm,
    is_fused,
    make_recurrent,
    run_recurrent,
    stack_frames,
)

__all__ = [
    "CELLS",
    "CustomRNN",
    "ElmanCell",
    "EncoderDecoder",
    "GRUCell",
    "LSTMCell",
    "PeepholeLSTMCell",
    "RecurrentNet",
    "Recurrence",
    "SequenceToSequence",
    "SequenceToVector",
    "StepBatchNorm",
    "VectorToSequence",
    "estimate_batch_norm",
    "is_fused",
    "make_recurrent",
    "run_recurrent",
    "stack_frames",
]
