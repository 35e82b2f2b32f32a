"""Text step: TF-IDF learnt with scikit-learn, applied from plain JSON state.

Fitting uses ``TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2, lowercase=True)``
with ``max_features`` 300 (``native``) or 20,000 (``dense``). Only the vocabulary and the idf
weights are kept; ``transform`` counts with ``CountVectorizer(vocabulary=...)``, applies
``1 + log(tf)``, multiplies by idf and L2-normalises each row — the same arithmetic, so no
pickled estimator is needed. Outputs are named ``col:tfidf:term``; ``native`` returns dense
columns, ``dense`` a CSR block. A column whose vocabulary is empty (e.g. no term in two
documents) produces no outputs.

Example:
    >>> import pandas as pd
    >>> from forgeml.data._schema import ColumnSpec
    >>> f = pd.DataFrame({"d": ["red fox", "red dog", "blue fox"]}, dtype=object)
    >>> step = TextStep([ColumnSpec("d", "text")], "native").fit(f)
    >>> [o.name for o in step.outputs]
    ['d:tfidf:fox', 'd:tfidf:red']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from forgeml.features._steps import Block, OutputFeature, Step, from_floats

MAX_FEATURES = {"native": 300, "dense": 20_000}
_NGRAMS = (1, 2)


def _docs(s: pd.Series) -> list[str]:
    return [d if isinstance(d, str) else "" if pd.isna(d) else str(d) for d in s.tolist()]


def _l2_normalise(X: sp.csr_matrix) -> None:
    """Scale each row of ``X`` to unit Euclidean norm in place (all-zero rows stay zero)."""
    counts = np.diff(X.indptr)
    sq = np.bincount(np.repeat(np.arange(X.shape[0]), counts), weights=X.data**2, minlength=X.shape[0])
    norms = np.sqrt(sq)
    norms[norms == 0] = 1.0
    X.data /= np.repeat(norms, counts)


class _Vocab:
    def __init__(self, terms: list[str], idf: np.ndarray) -> None:
        self.terms = terms
        self.idf = idf
        self.counter = (
            CountVectorizer(vocabulary={t: i for i, t in enumerate(terms)}, ngram_range=_NGRAMS, lowercase=True)
            if terms
            else None
        )

    @classmethod
    def fit(cls, s: pd.Series, max_features: int) -> _Vocab:
        tfidf = TfidfVectorizer(
            sublinear_tf=True, ngram_range=_NGRAMS, min_df=2, lowercase=True, max_features=max_features
        )
        try:
            tfidf.fit(_docs(s))
        except ValueError:  # empty vocabulary, or fewer documents than min_df
            return cls([], np.empty(0))
        terms = sorted(tfidf.vocabulary_, key=tfidf.vocabulary_.__getitem__)
        return cls(terms, np.asarray(tfidf.idf_, dtype=np.float64))

    def transform(self, s: pd.Series) -> sp.csr_matrix:
        if self.counter is None:
            return sp.csr_matrix((len(s), 0))
        X = self.counter.transform(_docs(s)).astype(np.float64)
        np.log(X.data, out=X.data)
        X.data += 1.0
        X.data *= self.idf[X.indices]
        _l2_normalise(X)
        return X


class TextStep(Step):
    """See the module docstring."""

    role = "text"

    def _fit(self, frame: pd.DataFrame) -> None:
        self.vocab = [_Vocab.fit(frame[n], MAX_FEATURES[self.encoding]) for n in self.input_names]
        self._set_outputs()

    def _set_outputs(self) -> None:
        self.outputs = [
            OutputFeature(f"{name}:tfidf:{t}", name, "tfidf")
            for name, v in zip(self.input_names, self.vocab, strict=True)
            for t in v.terms
        ]

    def _transform(self, frame: pd.DataFrame) -> Block:
        blocks = [v.transform(frame[n]) for n, v in zip(self.input_names, self.vocab, strict=True)]
        X = blocks[0] if len(blocks) == 1 else sp.csr_matrix(sp.hstack(blocks, format="csr"))
        return np.asarray(X.toarray()) if self.encoding == "native" else X

    def _state(self) -> dict[str, Any]:
        return {"vocab": [{"terms": v.terms, "idf": [float(x) for x in v.idf]} for v in self.vocab]}

    def _load_state(self, state: dict[str, Any]) -> None:
        self.vocab = [_Vocab([str(t) for t in v["terms"]], from_floats(v["idf"])) for v in state["vocab"]]
