"""Transformers that pad, scale and reshape sequences, and windowing of long series.

Every transformer accepts what the estimators accept (2-D ``(N, T)``, 3-D ``(N, T, D)`` and
ragged sequences) and works inside :class:`~sklearn.pipeline.Pipeline` and
:class:`~sklearn.model_selection.GridSearchCV`.
"""

from ._padding import SequencePadder
from ._scaling import SequenceScaler
from ._windowing import TabularToSequence, make_windows

__all__ = ["SequencePadder", "SequenceScaler", "TabularToSequence", "make_windows"]
