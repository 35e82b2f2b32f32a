import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from forgeml.data._schema import ColumnSpec
from forgeml.features._text import TextStep

COL = [ColumnSpec("d", "text")]
DOCS = ["the red fox", "a red dog", "the blue fox jumps", "", "red red fox"]


def _frame(docs: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"d": pd.Series(docs, dtype=object)})


def test_matches_sklearn_tfidf() -> None:
    step = TextStep(COL, "dense").fit(_frame(DOCS))
    ref = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2).fit(DOCS)
    assert [o.name.split(":", 2)[2] for o in step.outputs] == ref.get_feature_names_out().tolist()
    out = step.transform(_frame(DOCS))
    assert sp.issparse(out)
    np.testing.assert_allclose(out.toarray(), ref.transform(DOCS).toarray(), rtol=1e-12)


def test_known_words_are_nonzero_and_unknown_give_zeros() -> None:
    step = TextStep(COL, "native").fit(_frame(DOCS))
    names = [o.name for o in step.outputs]
    out = step.transform(_frame(["RED fox", "nothing known here"]))
    assert isinstance(out, np.ndarray)
    assert out[0, names.index("d:tfidf:red")] > 0 and out[0, names.index("d:tfidf:fox")] > 0
    assert not out[1].any()


def test_empty_vocabulary_gives_no_outputs() -> None:
    step = TextStep(COL, "dense").fit(_frame(["one", "two", "three"]))
    assert step.outputs == []
    assert step.transform(_frame(["one"])).shape == (1, 0)
