"""Hashed n-gram counts, exactly as scikit-learn's HashingVectorizer computes them, without importing it.

The injection guard's weights were fitted on `HashingVectorizer(analyzer=..., ngram_range=..., n_features=...,
alternate_sign=False, norm=None, lowercase=True)` counts, then sublinear tf and l2 norm. Importing
scikit-learn (and scipy under it) for that one transform cost the app 0.9-1.2 s at the first message
here, a fifth of the 5 s start-up target (`python -X importtime -c "from sklearn.feature_extraction.text
import HashingVectorizer"`; bench/app_load.py). So the guard computes the same numbers with the pieces made
for the job: scikit-learn's own n-gram rules (the few lines below, unchanged) and MurmurHash3 from
explosion's `murmurhash` (already installed for spaCy), the hash scikit-learn uses (32-bit x86 variant,
seed 0, signed, on the UTF-8 bytes).

tests/guardrails/test_hashed_ngrams.py checks, against the installed scikit-learn, that every row has the
same columns and the same values (to 1e-12; the norm is summed in another order) on varied text (German,
emoji, tabs, empty text), so training (which keeps scikit-learn for its models) and the guard cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from murmurhash import mrmr

WHITE_SPACES = re.compile(r"\s\s+")  # HashingVectorizer._white_spaces
TOKEN_PATTERN = re.compile(r"(?u)\b\w\w+\b")  # HashingVectorizer's default token_pattern


def char_wb_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """Character n-grams inside words, each word padded with one space: `_char_wb_ngrams`."""
    out: list[str] = []
    append = out.append
    for word in WHITE_SPACES.sub(" ", text).split():
        word = " " + word + " "
        length = len(word)
        for n in range(min_n, max_n + 1):
            offset = 0
            append(word[offset:offset + n])
            while offset + n < length:
                offset += 1
                append(word[offset:offset + n])
            if offset == 0:  # a short word (length < n) counts once
                break
    return out


def word_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """Tokens of two or more word characters and their n-grams joined by a space: `_word_ngrams`."""
    tokens = TOKEN_PATTERN.findall(text)
    if max_n == 1:
        return tokens
    out = list(tokens) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n + 1, len(tokens) + 1)):
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


ANALYZERS = {"char_wb": char_wb_ngrams, "word": word_ngrams}


def columns(ngrams: list[str], n_features: int) -> np.ndarray:
    """FeatureHasher's columns: |murmurhash3_32(utf-8 bytes, seed 0)| mod n_features, with abs(-2**31) defined
    as scikit-learn defines it."""
    hash32 = mrmr.hash
    h = np.array([hash32(g, 0) for g in ngrams], dtype=np.int64)
    return np.where(h == -2147483648, (2147483647 - (n_features - 1)) % n_features, np.abs(h) % n_features)


@dataclass
class SparseRows:
    """Rows in CSR form (indptr, indices, data): enough to score them, convertible for training."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_features: int

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.indptr) - 1, self.n_features

    def __matmul__(self, weights: np.ndarray) -> np.ndarray:
        """Each row's dot product with a weight vector."""
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        return np.bincount(rows, weights=self.data * np.asarray(weights, dtype=np.float64).ravel()[self.indices],
                           minlength=self.shape[0])

    def to_scipy(self):
        """A scipy CSR matrix, for fitting (training imports scikit-learn anyway)."""
        from scipy import sparse

        return sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


def hashed(texts: list[str], analyzer: str, ngram_range, n_features: int) -> SparseRows:
    """Lower-cased n-gram counts hashed into n_features columns, then 1 + log(count) and each row l2-normed."""
    make = ANALYZERS[analyzer]
    min_n, max_n = ngram_range
    indptr, indices, data = [0], [], []
    for text in texts:
        cols, counts = np.unique(columns(make(text.lower(), min_n, max_n), n_features), return_counts=True)
        values = 1 + np.log(counts.astype(np.float64))  # sublinear tf: a repeated phrase should not dominate
        norm = np.sqrt(np.sum(values * values))
        indices.append(cols)
        data.append(values / norm if norm > 0 else values)
        indptr.append(indptr[-1] + len(cols))
    return SparseRows(np.array(indptr, dtype=np.int64),
                      np.concatenate(indices) if indices else np.zeros(0, np.int64),
                      np.concatenate(data) if data else np.zeros(0, np.float64), n_features)
