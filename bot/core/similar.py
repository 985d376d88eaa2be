"""Earlier questions that ask what a new one asks: BM25 ranking (bm25s) over words put in one
form first. Learners write the same thing many ways: `$\\det A$`, "det A" and "the
determinant of A"; "non-invertible" and "singular"; `$x^\\top$` and "x transpose". Formulas
become the words they stand for, a short table maps the field's synonyms to one word, English
stop words go and the rest is stemmed (Snowball, PyStemmer), so that BM25's term weights see
one vocabulary.

A score is made comparable across questions by dividing it by what the question would score
against itself (each of its words once, weighted by how rare it is among the earlier questions;
a word no earlier question uses counts fully against it): 1.0 is "the same words", and a match
is shown from ``FLOOR`` up. ``bench/similar.py`` measures the ranking against a labelled set.

bm25s and its numpy are imported on the first look-up, not at start.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

# From bench/similar.py: the lowest floor at which fewer than 1 in 10 unrelated questions gets
# a suggestion, chosen on its tuning half.
FLOOR = 0.40
K1, B = 1.5, 0.75  # bm25s's defaults, written out because the self-score uses them too

# LaTeX in a formula -> the words a learner would type instead.
LATEX_WORDS = {
    r"\det": " determinant ",
    r"\operatorname{det}": " determinant ",
    r"\mathrm{det}": " determinant ",
    r"\operatorname{tr}": " trace ",
    r"\mathrm{tr}": " trace ",
    r"\operatorname{rank}": " rank ",
    r"\operatorname{var}": " variance ",
    r"\mathrm{var}": " variance ",
    r"\operatorname{cov}": " covariance ",
    r"\mathrm{cov}": " covariance ",
    r"\mathbb{e}": " expectation ",
    r"\mathbb{p}": " probability ",
    r"\mathbb{r}": " real ",
    r"\nabla": " gradient ",
    r"\partial": " partial derivative ",
    r"\int": " integral ",
    r"\sum": " sum ",
    r"\prod": " product ",
    r"\lim": " limit ",
    r"\log": " log ",
    r"\ln": " log ",
    r"\exp": " exponential ",
    r"\sigma": " sigma ",
    r"\lambda": " eigenvalue ",
    r"\mu": " mean ",
    r"\top": " transpose ",
    r"^t": " transpose ",
    r"^{t}": " transpose ",
    r"^{-1}": " inverse ",
    r"\|": " norm ",
    r"\cdot": " dot ",
    r"\times": " cross ",
    r"\otimes": " outer ",
    r"\frac{d": " derivative ",
    r"\sqrt": " root ",
    r"\infty": " infinity ",
}
# Words of the field written several ways -> one of them (after lower-casing, before stemming).
SYNONYMS = {
    "det": "determinant",
    "dets": "determinant",
    "noninvertible": "singular",
    "non-invertible": "singular",
    "uninvertible": "singular",
    "degenerate": "singular",
    "eigvec": "eigenvector",
    "eigvecs": "eigenvector",
    "eigval": "eigenvalue",
    "eigvals": "eigenvalue",
    "characteristic": "eigen",
    "eigen": "eigen",
    "expected": "expectation",
    "expectations": "expectation",
    "mean": "expectation",
    "average": "expectation",
    "var": "variance",
    "cov": "covariance",
    "std": "deviation",
    "sd": "deviation",
    "derivatives": "derivative",
    "differentiate": "derivative",
    "differentiating": "derivative",
    "slope": "derivative",
    "grad": "gradient",
    "gradients": "gradient",
    "matrices": "matrix",
    "vectors": "vector",
    "prob": "probability",
    "probabilities": "probability",
    "pdf": "density",
    "pmf": "mass",
    "rv": "random",
    "svd": "singular value decomposition",
    "pca": "principal component",
    "mle": "maximum likelihood",
    "iid": "independent identically distributed",
    "orthogonal": "orthogonal",
    "perpendicular": "orthogonal",
    "orthonormal": "orthogonal",
    "transposed": "transpose",
    "inverted": "inverse",
    "0": "zero",
    "1": "one",
    "same": "equal",
    "identical": "equal",
    "invert": "inverse",
    "invertible": "inverse",
}
# Beyond the English stop words (bm25s's list): what people say around a question in a chat.
CHAT_WORDS = frozenset(
    {
        *("anyone", "someone", "somebody", "explain", "understand", "get", "getting", "got"),
        *("dont", "doesnt", "isnt", "cant", "whats", "im", "ive", "please", "help", "thanks"),
        *("thank", "question", "confused", "confusing", "come", "came", "mean", "means", "say"),
        *("says", "said", "see", "seem", "seems", "really", "actually", "exactly", "still"),
        *("also", "like", "way", "want", "wondering", "know", "would", "could", "one"),
    }
)
FORMULA = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)
WORD = re.compile(r"[a-z][a-z0-9'\-]*|\d+")


@dataclass(frozen=True)
class Match:
    """An earlier question close to a new one: its id and how close (0 to 1)."""

    question_id: int
    score: float


def _formula_words(latex: str) -> str:
    text = latex.lower().replace(" ", "")
    for command, words in sorted(LATEX_WORDS.items(), key=lambda item: -len(item[0])):
        text = text.replace(command, words)
    text = re.sub(r"\\(mathbf|boldsymbol|vec|mathrm|operatorname|text|left|right)", " ", text)
    return re.sub(r"[\\{}^_()\[\]=+\-*/,.|&]", " ", text)


@cache
def _bm25s() -> Any:
    """bm25s (with numpy: loaded on the first ranking, not at start). Its import sets its
    logger to DEBUG, which would print "Building index from tokens" to a console user; the
    logger goes back to the level the application configured."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


@cache
def _stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(w.replace("'", "") for w in STOPWORDS_EN_PLUS) | CHAT_WORDS


@cache
def _stemmer() -> Any:
    import Stemmer  # PyStemmer: Snowball's English stemmer in C

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """``text`` as the stems BM25 compares: formulas as words, synonyms as one, no stop words."""
    spelled = FORMULA.sub(lambda m: " " + _formula_words(m.group(1) or m.group(2)) + " ", text)
    found: list[str] = []
    stop = _stop_words()
    for typed in WORD.findall(spelled.lower().replace("\N{RIGHT SINGLE QUOTATION MARK}", "'")):
        word = SYNONYMS.get(typed.replace("'", ""), typed.replace("'", ""))
        found += [w for w in word.split() if w not in stop and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(found)


class Ranking:
    """BM25 over a fixed set of earlier questions (``(id, text)``), built once and asked many
    times: a group's questions change rarely, and a look-up must be fast (see the benchmark)."""

    def __init__(self, earlier: Sequence[tuple[int, str]]) -> None:
        bm25s = _bm25s()
        self.ids = [question_id for question_id, _ in earlier]
        corpus = [words(text) or ["\x00"] for _, text in earlier]  # an empty one still counts
        self.count = len(corpus)
        self.average_length = sum(map(len, corpus)) / max(self.count, 1)
        self.frequency = Counter(word for document in corpus for word in set(document))
        self.bm25 = bm25s.BM25(k1=K1, b=B)
        if corpus:
            self.bm25.index(corpus, show_progress=False)

    def _idf(self, word: str) -> float:
        # bm25s's "lucene" weights (idf, and tf / (tf + norm) without Robertson's k1 + 1), so
        # that the self-score is on the scale of its scores.
        df = self.frequency.get(word, 0)
        return math.log(1 + (self.count - df + 0.5) / (df + 0.5))

    def _self_score(self, query: list[str]) -> float:
        length = len(query)
        norm = K1 * (1 - B + B * length / max(self.average_length, 1e-9))
        return sum(self._idf(word) * tf / (tf + norm) for word, tf in Counter(query).items())

    def best(self, text: str, *, limit: int = 3, floor: float = FLOOR) -> list[Match]:
        """The ``limit`` earlier questions closest to ``text`` scoring ``floor`` or more."""
        query = words(text)
        if not query or not self.ids:
            return []
        scores = self.bm25.get_scores(query)
        most = self._self_score(query)
        order = scores.argsort()[::-1][:limit]
        found = [Match(self.ids[i], min(float(scores[i]) / most, 1.0)) for i in order]
        return [match for match in found if match.score >= floor]
