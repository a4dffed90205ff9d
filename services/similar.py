"""Motions that read alike: TF-IDF over Chinese character unigrams and bigrams, cosine similarity.

Pure Python, no database, no network, no downloaded model: Chinese has no spaces between
words, and character bigrams catch most two-character words (食堂, 质量, 器材) without a
segmenter. ASCII words (WiFi, PPT, 5G) are kept whole, lowercased. Punctuation and whitespace
only separate runs: a bigram never spans them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

# Below this cosine two motions are not called alike. Tuned on motion titles: "关于改善教师
# 食堂伙食质量的建议" ~ "建议提高食堂饭菜质量" scores about 0.4, ~ "关于增加体育器材的提案" 0, and
# ~ "关于加强青年教师培训的建议" (only 教师 in common) under 0.2 (tests/test_similar.py).
THRESHOLD = 0.2

# Han ideographs (with extension A and the compatibility block), or one ASCII word/number.
_TOKEN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Boilerplate every 提案 shares ("关于……的建议", "进一步加强……") and the verbs any request
# starts with say nothing about the topic, and in a small school the idf alone would not yet
# know that: they separate runs like punctuation does, so they leave no pair behind either.
SEPARATORS = ("进一步", "关于", "建议", "提案", "议案", "意见", "改善", "提高", "加强", "增加",
              "完善", "解决", "问题", "有关", "相关", "我校", "学校", "的")
# Function characters: no term alone, but inside a word (和谐, 现在) their pairs still count.
STOP_CHARACTERS = frozenset("和与及对在了是")
_SEPARATOR = re.compile("|".join(SEPARATORS))


def terms(text: str) -> list[str]:
    """The terms of a text: each Chinese character and each pair of neighbouring characters
    within a run, plus whole lowercased ASCII words; boilerplate and punctuation only
    separate runs."""
    out: list[str] = []
    for run in _TOKEN_RUN.findall(_SEPARATOR.sub(" ", text or "")):
        if not _HAN.match(run):
            out.append(run.lower())
            continue
        out.extend(char for char in run if char not in STOP_CHARACTERS)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def _weights(counts: Counter[str], idf: dict[str, float], unseen_idf: float) -> dict[str, float]:
    """Sublinear tf times idf, scaled to unit length (so a dot product is the cosine)."""
    raw = {term: (1.0 + math.log(n)) * idf.get(term, unseen_idf) for term, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in raw.values()))
    return {term: w / norm for term, w in raw.items()} if norm else {}


class SimilarIndex:
    """An index over (id, text) documents; `query` returns the ids whose text reads alike."""

    def __init__(self, docs: Sequence[tuple[int, str]], *, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        counted = [(doc_id, Counter(terms(text))) for doc_id, text in docs]
        n = len(counted)
        df: Counter[str] = Counter()
        for _doc_id, counts in counted:
            df.update(counts.keys())
        # Smoothed idf (as scikit-learn's smooth_idf): never zero, never dividing by zero.
        self.idf = {term: math.log((1 + n) / (1 + k)) + 1.0 for term, k in df.items()}
        self.unseen_idf = math.log(1 + n) + 1.0
        # Inverted lists: a query only touches documents that share a term with it.
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for doc_id, counts in counted:
            for term, weight in _weights(counts, self.idf, self.unseen_idf).items():
                self.postings.setdefault(term, []).append((doc_id, weight))
        self.size = n

    def __len__(self) -> int:
        return self.size

    def query(self, text: str, limit: int | None = 5,
              exclude: Iterable[int] = ()) -> list[tuple[int, float]]:
        """(id, cosine) of the documents at or above the threshold, most alike first (ties
        by id); `limit=None` returns them all."""
        vector = _weights(Counter(terms(text)), self.idf, self.unseen_idf)
        skip = set(exclude)
        scores: dict[int, float] = {}
        for term, weight in vector.items():
            for doc_id, doc_weight in self.postings.get(term, ()):
                if doc_id not in skip:
                    scores[doc_id] = scores.get(doc_id, 0.0) + weight * doc_weight
        found = sorted(((doc_id, round(score, 6)) for doc_id, score in scores.items()
                        if score >= self.threshold), key=lambda item: (-item[1], item[0]))
        return found if limit is None else found[:limit]
