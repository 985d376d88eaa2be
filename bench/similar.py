"""Similar questions ("Asked before"): how well the ranking finds an earlier question asked
again in other words, how rarely it suggests one that is not, and how long a look-up takes.

    python bench/similar.py
    python bench/similar.py --stored 10000 --repeat 5

The labelled set is ``bench/data/similar_questions.yaml``: earlier questions on the shipped
syllabi (``stored``) and new ones (``probes``), each a paraphrase of one stored question, a
different question on the same topic (a hard negative) or unrelated. Each probe is ranked
against the stored questions of its syllabus, as the bot does.

- recall@3: paraphrases whose original is among the suggestions shown (at most 3, scoring at
  least the floor);
- precision@1: of the probes that get a suggestion at all, those whose first suggestion is the
  question they repeat (a suggestion for a same-topic or unrelated probe is a wrong one);
  "paraphrases alone": the same among paraphrases only (the usual retrieval precision@1);
- shown for same-topic / unrelated: how often those get any suggestion.

The floor is chosen on the even-numbered probes (``--sweep`` prints the trade-off there) and
reported on the odd-numbered ones, so that the figures are not fitted to the set they report.
Side by side: plain BM25 (bm25s's own tokenizer, English stop words and stemmer) without
studybot's normalisation of formulas and synonyms, at its own best floor on the same half.

Time per look-up: the stored questions are repeated with numbered variations up to
``--stored`` (10 000 by default), the ranking built once (as the bot keeps it), and every probe
looked up ``--repeat`` times; median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core import semantic
from bot.core.similar import FLOOR, Match, Ranking

DATA = Path(__file__).resolve().parent / "data" / "similar_questions.yaml"
FLOORS = [round(0.05 * n, 2) for n in range(2, 17)]


@dataclass(frozen=True)
class Probe:
    """A new question and its label."""

    text: str
    syllabus: str
    kind: str  # paraphrase | same_topic | unrelated
    of: int | None  # the stored question's number (paraphrase, same_topic)


@dataclass(frozen=True)
class Scores:
    """A ranking's figures on a set of probes at one floor."""

    recall_at_3: float
    precision_at_1: float
    first_right: float  # paraphrases with a suggestion whose first one is their original
    shown_same_topic: float
    shown_unrelated: float
    probes: int


def load() -> tuple[dict[str, list[tuple[int, str]]], list[Probe]]:
    """The stored questions by syllabus (numbered) and the probes."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    number = {item["id"]: n for n, item in enumerate(data["stored"], start=1)}
    stored: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for item in data["stored"]:
        stored[item["syllabus"]].append((number[item["id"]], item["text"]))
    probes = [
        Probe(p["text"], p["syllabus"], p["kind"], number.get(p.get("of", "")))
        for p in data["probes"]
    ]
    return stored, probes


Ranker = Callable[[str, str], list[Match]]  # (syllabus, text) -> matches, best first


def score(rank: Ranker, probes: Sequence[Probe], floor: float) -> Scores:
    """The figures of ``rank`` on ``probes``, showing what scores ``floor`` or more."""
    found = {id(p): [m for m in rank(p.syllabus, p.text) if m.score >= floor][:3] for p in probes}
    paraphrases = [p for p in probes if p.kind == "paraphrase"]
    recalled = sum(1 for p in paraphrases if p.of in [m.question_id for m in found[id(p)]])
    shown = [p for p in probes if found[id(p)]]
    right_first = sum(
        1 for p in shown if p.kind == "paraphrase" and found[id(p)][0].question_id == p.of
    )

    suggested = [p for p in paraphrases if found[id(p)]]
    first_right = sum(1 for p in suggested if found[id(p)][0].question_id == p.of)

    def share_shown(kind: str) -> float:
        of_kind = [p for p in probes if p.kind == kind]
        return sum(1 for p in of_kind if found[id(p)]) / max(len(of_kind), 1)

    return Scores(
        recall_at_3=recalled / max(len(paraphrases), 1),
        precision_at_1=right_first / max(len(shown), 1),
        first_right=first_right / max(len(suggested), 1),
        shown_same_topic=share_shown("same_topic"),
        shown_unrelated=share_shown("unrelated"),
        probes=len(probes),
    )


def studybot_ranker(stored: dict[str, list[tuple[int, str]]]) -> Ranker:
    """studybot's default: BM25 on normalised words, one ranking per syllabus."""
    rankings = {syllabus: Ranking(items) for syllabus, items in stored.items()}
    return lambda syllabus, text: rankings[syllabus].best(text, limit=3, floor=0.0)


def semantic_ranker(stored: dict[str, list[tuple[int, str]]]) -> Ranker:
    """studybot with the [semantic] extra: embeddings, one set per syllabus."""
    rankings = {syllabus: semantic.Meanings(items) for syllabus, items in stored.items()}
    return lambda syllabus, text: rankings[syllabus].best(text, limit=3, floor=0.0)


def plain_ranker(stored: dict[str, list[tuple[int, str]]]) -> Ranker:
    """bm25s as its README shows it, scores divided by the best possible for the query (its
    score against itself, from a second index holding the query alone is not possible, so: by
    the top score of the query among the stored questions and itself)."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    built = {}
    for syllabus, items in stored.items():
        texts = [text for _, text in items]
        retriever = bm25s.BM25()
        retriever.index(
            bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
            show_progress=False,
        )
        built[syllabus] = (retriever, [n for n, _ in items], texts)

    def rank(syllabus: str, text: str) -> list[Match]:
        _, ids, texts = built[syllabus]
        # Normalised like studybot's: by the score of the text against a copy of itself
        # among the stored ones (an index rebuilt per query: fine for measuring quality).
        alongside = bm25s.BM25()
        alongside.index(
            bm25s.tokenize([*texts, text], stopwords="en", stemmer=stemmer, show_progress=False),
            show_progress=False,
        )
        query = bm25s.tokenize([text], stopwords="en", stemmer=stemmer, show_progress=False)
        words = [query.vocab_inv[i] for i in query.ids[0]] if hasattr(query, "vocab_inv") else []
        if not words:
            inverse = {v: k for k, v in query.vocab.items()}
            words = [inverse[i] for i in query.ids[0]]
        scores = alongside.get_scores(words)
        best = float(scores[-1]) or 1.0
        order = scores[:-1].argsort()[::-1][:3]
        return [Match(ids[i], float(scores[i]) / best) for i in order]

    return rank


def sweep(rank: Ranker, probes: Sequence[Probe]) -> list[tuple[float, Scores]]:
    """The figures at every floor of ``FLOORS``."""
    return [(floor, score(rank, probes, floor)) for floor in FLOORS]


def best_floor(swept: list[tuple[float, Scores]]) -> float:
    """The lowest floor at which fewer than 1 in 10 unrelated questions gets a suggestion: a
    suggestion costs its reader one click, a repeated question costs the group an answer, so
    recall comes first once unrelated questions are left alone (the rule studybot's floors
    were chosen by)."""
    return min((f for f, s in swept if s.shown_unrelated < 0.10), default=swept[-1][0])


def timing(
    kind: type[Ranking] | type[semantic.Meanings],
    stored: dict[str, list[tuple[int, str]]],
    probes: Sequence[Probe],
    size: int,
    repeat: int,
) -> tuple[float, list[float]]:
    """Build ``kind`` over ``size`` stored questions once; time each probe's look-up."""
    texts = [text for items in stored.values() for _, text in items]
    many = [(n, f"{texts[n % len(texts)]} (case {n // len(texts)})") for n in range(size)]
    started = time.perf_counter()
    ranking = kind(many)
    built = time.perf_counter() - started
    times = []
    for _ in range(repeat):
        for probe in probes:
            started = time.perf_counter()
            ranking.best(probe.text)
            times.append(time.perf_counter() - started)
    return built, times


def line(name: str, floor: float, s: Scores) -> str:
    """One printed line of figures."""
    return (
        f"{name:<28} floor {floor:.2f}  recall@3 {s.recall_at_3:.2f}  precision@1 "
        f"{s.precision_at_1:.2f} (paraphrases alone {s.first_right:.2f})  shown: same-topic {s.shown_same_topic:.2f}, unrelated "
        f"{s.shown_unrelated:.2f}  ({s.probes} probes)"
    )


def main() -> None:
    """Quality on the labelled set, then time per look-up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sweep", action="store_true", help="print every floor on the dev half")
    args = parser.parse_args()
    stored, probes = load()
    dev, held_out = probes[0::2], probes[1::2]
    kinds = {
        kind: sum(1 for p in probes if p.kind == kind)
        for kind in ("paraphrase", "same_topic", "unrelated")
    }
    print(
        f"{sum(map(len, stored.values()))} stored questions on {len(stored)} syllabi; probes: {kinds}"
    )

    rankers = [
        ("studybot (normalised BM25)", studybot_ranker(stored), FLOOR),
        ("plain BM25 (baseline)", plain_ranker(stored), None),
    ]
    if semantic.installed():
        rankers.insert(1, ("studybot [semantic] (MiniLM)", semantic_ranker(stored), semantic.FLOOR))
    else:
        print("the [semantic] extra is not installed: its line is left out")
    for name, rank, fixed in rankers:
        swept = sweep(rank, dev)
        if args.sweep:
            for floor, s in swept:
                print("  dev  " + line(name, floor, s))
        floor = fixed if fixed is not None else best_floor(swept)
        if fixed is not None and fixed != best_floor(swept):
            print(f"  note: {name}'s floor {fixed} differs from the rule's {best_floor(swept)}")
        print("held-out " + line(name, floor, score(rank, held_out, floor)))
        print("all      " + line(name, floor, score(rank, probes, floor)))

    kinds_of_ranking: list[tuple[str, type[Ranking] | type[semantic.Meanings]]] = [
        ("BM25", Ranking)
    ]
    if semantic.installed():
        kinds_of_ranking.append(("semantic", semantic.Meanings))
    for name, kind in kinds_of_ranking:
        built, times = timing(kind, stored, probes, args.stored, args.repeat)
        ms = sorted(t * 1000 for t in times)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        print(
            f"{name} look-up among {args.stored} stored questions: median "
            f"{statistics.median(ms):.2f} ms, p95 {p95:.2f} ms ({len(ms)} look-ups); "
            f"built once in {built * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
