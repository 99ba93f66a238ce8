"""Train the prompt-injection guard's weights: python -m training.train_injection [DATA_DIR]

Reads the public sets in DATA_DIR (default ../shared/data; never copied into the repo), fits one
logistic regression per feature block of guardrails.injection, averages their logits, and picks the
operating point by 5-fold cross-validation on the training rows only. The deepset val split is never
read except to drop any training row that duplicates one of its texts, so its figures stay honest.
Writes guardrails/weights/injection/{weights.safetensors, meta.json, DATASHEET.md}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from guardrails.injection import DEFAULT_WEIGHTS, FEATURES, META_FILE, WEIGHTS_FILE, features, max_by_owner, pieces

# file, licence; label comes from the file's `label` column
SOURCES = {
    "deepset": ("deepset_prompt_injections_train.csv", "Apache-2.0"),
    "garak_pallms": ("injection_payloads_garak_pallms.csv", "Apache-2.0 / MIT"),
    "jailbreak_inthewild": ("jailbreak_inthewild_verazuo.csv", "MIT"),
    "awesome_chatgpt": ("benign_prompts_awesome_chatgpt.csv", "CC0 / Apache-2.0"),
    "clinc150": ("benign_queries_clinc150.csv", "CC-BY-3.0"),
    "banking77": ("benign_queries_banking77.csv", "CC-BY-4.0"),
}
VAL_FILE = "deepset_prompt_injections_val.csv"
# Benign sets whose false positives set the threshold: the short queries are too easy to matter.
HARD_BENIGN = ["deepset", "awesome_chatgpt"]
# Chosen by 5-fold cross-validation on the training rows (recall at the FPR rule below) among emb 0.25-4 and
# char/word 10-30: char/word 30 gave 0.928 against 0.921 at 10 (emb 1.0).
C_BY_BLOCK = {"emb": 1.0, "char": 30.0, "word": 30.0}
LONG_CHARS = 1000


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read(data: Path, source: str) -> pd.DataFrame:
    frame = pd.read_csv(data / SOURCES[source][0]).dropna(subset=["text", "label"])
    frame["text"] = frame["text"].astype(str).str.strip()
    frame["label"] = frame["label"].astype(int)
    frame["source"] = source
    return frame[frame["text"] != ""]


def load_training(data: Path, n_clinc: int, n_banking: int, seed: int) -> pd.DataFrame:
    parts = [read(data, s) for s in ("deepset", "garak_pallms", "jailbreak_inthewild", "awesome_chatgpt")]
    for source, n in (("clinc150", n_clinc), ("banking77", n_banking)):
        frame = read(data, source)
        frame = frame[frame["split"] != "test"]  # test rows are the held-out benign check
        parts.append(frame.sample(min(n, len(frame)), random_state=seed))
    frame = pd.concat(parts, ignore_index=True)[["text", "label", "source"]]
    key = frame["text"].str.lower()
    val_texts = set(pd.read_csv(data / VAL_FILE)["text"].astype(str).str.strip().str.lower())
    frame = frame[~key.isin(val_texts) & ~key.duplicated()].reset_index(drop=True)
    return frame


def load_heldout(data: Path, n: int, seed: int) -> dict[str, list[str]]:
    out = {}
    for source in ("clinc150", "banking77"):
        frame = read(data, source)
        frame = frame[frame["split"] == "test"]
        out[f"{source}_test"] = frame.sample(min(n, len(frame)), random_state=seed)["text"].tolist()
    return out


class Pieces:
    """Feature blocks of every text and its end chunks; a text scores the max over its pieces.

    The model is fitted on whole texts and on the end chunks of benign texts (a part of a benign
    prompt is benign; a part of a jailbreak need not be an injection, so those are not used).
    """

    def __init__(self, texts: list[str], y: np.ndarray | None = None):
        flat, self.owner = pieces(texts)
        self.n = len(texts)
        self.blocks = features(flat)
        self.whole = np.searchsorted(self.owner, np.arange(self.n))  # each text is the first of its pieces
        is_chunk = np.ones(len(flat), dtype=bool)
        is_chunk[self.whole] = False
        self.benign_chunks = np.flatnonzero(is_chunk & (y[self.owner] == 0)) if y is not None else np.array([], int)

    def rows_of(self, texts_idx: np.ndarray) -> np.ndarray:
        return np.flatnonzero(np.isin(self.owner, texts_idx))


def fit_blocks(data: Pieces, y: np.ndarray, rows=None):
    from sklearn.linear_model import LogisticRegression

    rows = np.arange(len(y)) if rows is None else rows
    chunk_rows = data.benign_chunks[np.isin(data.owner[data.benign_chunks], rows)]
    x_rows = np.concatenate([data.whole[rows], chunk_rows])
    y_rows = np.concatenate([y[rows], np.zeros(len(chunk_rows), dtype=y.dtype)])
    return {name: LogisticRegression(C=C_BY_BLOCK[name], max_iter=5000, class_weight="balanced")
            .fit(x[x_rows], y_rows) for name, x in data.blocks.items()}


def text_logits(models: dict, data: Pieces, texts_idx=None) -> np.ndarray:
    """Mean block logit, max over each text's pieces, for the texts in texts_idx (default all)."""
    texts_idx = np.arange(data.n) if texts_idx is None else np.asarray(texts_idx)
    rows = data.rows_of(texts_idx)
    z = np.mean([models[name].decision_function(data.blocks[name][rows]) for name in models], axis=0)
    return max_by_owner(z, data.owner[rows], data.n)[texts_idx]


def out_of_fold(data: Pieces, y: np.ndarray, strata: list[str], seed: int) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    z = np.zeros(len(y))
    for k, (train, test) in enumerate(StratifiedKFold(5, shuffle=True, random_state=seed).split(np.zeros(len(y)), strata)):
        z[test] = text_logits(fit_blocks(data, y, train), data, test)
        progress(f"fold {k + 1}/5")
    return z


def choose_threshold(z: np.ndarray, frame: pd.DataFrame, max_fpr: float) -> float:
    """Lowest logit at which every hard benign source keeps an out-of-fold FPR <= max_fpr."""
    benign = frame["label"].values == 0
    return float(max(np.quantile(z[benign & (frame["source"].values == s)], 1 - max_fpr) for s in HARD_BENIGN))


def platt_slope(z: np.ndarray, y: np.ndarray) -> float:
    from sklearn.linear_model import LogisticRegression

    return float(LogisticRegression(C=1e4).fit(z.reshape(-1, 1), y).coef_[0, 0])


def rates(flagged: np.ndarray, frame: pd.DataFrame) -> dict:
    """Recall per injection source, FPR per benign source, and the length checks."""
    y, source, length = frame["label"].values, frame["source"].values, frame["text"].str.len().values
    out = {"recall": float(flagged[y == 1].mean()), "fpr": float(flagged[y == 0].mean())}
    for s in SOURCES:
        for label, key in ((1, "recall"), (0, "fpr")):
            rows = (source == s) & (y == label)
            if rows.any():
                out[f"{key}_{s}"] = float(flagged[rows].mean())
    long_benign, short_injection = (y == 0) & (length > LONG_CHARS), (y == 1) & (length < 200)
    out[f"fpr_benign_over_{LONG_CHARS}_chars"] = float(flagged[long_benign].mean())
    out[f"n_benign_over_{LONG_CHARS}_chars"] = int(long_benign.sum())
    out["recall_injection_under_200_chars"] = float(flagged[short_injection].mean())
    out["n_injection_under_200_chars"] = int(short_injection.sum())
    return out


def save(out: Path, models: dict, threshold: float, slope: float, meta: dict) -> None:
    from safetensors.numpy import save_file

    # p = sigmoid(slope * (mean block logit - threshold)): 0.5 sits exactly at the chosen operating point.
    scale = slope / len(models)
    tensors = {name: (m.coef_[0] * scale).astype(np.float32) for name, m in models.items()}
    bias = slope * (np.mean([m.intercept_[0] for m in models.values()]) - threshold)
    tensors["bias"] = np.array([bias], dtype=np.float32)
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out / WEIGHTS_FILE))
    (out / META_FILE).write_text(json.dumps({**meta, "features": FEATURES}, indent=2) + "\n")


def datasheet(frame: pd.DataFrame, meta: dict, heldout_n: dict) -> str:
    counts = frame.groupby(["source", "label"]).size().unstack(fill_value=0)
    rows = [f"| `{SOURCES[s][0]}` | {counts.loc[s].get(1, 0)} | {counts.loc[s].get(0, 0)} | {SOURCES[s][1]} |"
            for s in SOURCES if s in counts.index]
    cv, held = meta["cross_validation"], meta["heldout_benign_fpr"]
    figures = "\n".join(f"| {k} | {v:.4f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in cv.items())
    held_rows = "\n".join(f"| {k} (n={heldout_n[k]}) | {v:.4f} |" for k, v in held.items())
    return f"""# Injection guard weights: datasheet

Trained {meta['trained']} by `{meta['command']}` ({meta['train_seconds']:.0f} s on CPU).

## Model
`{meta['model']}`: logistic regression over three feature blocks, their logits averaged:
all-MiniLM-L6-v2 embeddings of the first and last {FEATURES['window_words']} words (768-d),
hashed character 2-5-grams (2^16) and hashed word 1-2-grams (2^16), lower-cased, sublinear tf, L2-normalised.
A message of more than {FEATURES['chunk_words']} words is split into chunks of consecutive sentences (at most
{FEATURES['chunk_words']} words each); its first and last chunk are scored too and the message scores the highest logit
of the three, so a payload put before or after a long benign prompt is judged on its own. The model is
fitted on whole texts plus the end chunks of benign texts (as benign); the cross-validated figures and the
threshold below use the same max score as the guard, with each chunk in its text's fold.
Per-block C: {C_BY_BLOCK}; class weights balanced. Weights: float32 safetensors, no pickle.
Probability = sigmoid({meta['slope']:.3f} * (mean logit - {meta['threshold_logit']:.3f})): the slope is a Platt fit on
out-of-fold logits and the offset is the operating point, so **0.5 is the threshold chosen by cross-validation**:
the lowest score at which each hard benign source ({', '.join(HARD_BENIGN)}) keeps an out-of-fold
false-positive rate <= {meta['max_fpr']}.

## Training data ({len(frame)} rows after de-duplication and dropping texts present in the deepset val split)
| file | injection | benign | licence |
|---|---|---|---|
{chr(10).join(rows)}

clinc150 and banking77 are random samples of their train/dev rows; their test rows are held out below.
`{VAL_FILE}` was not used for training or for choosing the threshold.

## Figures at 0.5, 5-fold cross-validation on the training rows
| metric | value |
|---|---|
{figures}

The length check: benign prompts over {LONG_CHARS} characters (awesome-chatgpt role-play prompts) and
injections under 200 characters are reported separately above, so a model that had learned only length
would show a high FPR on the first and a low recall on the second.

## False-positive rate on held-out benign test splits (final model)
| set | fpr |
|---|---|
{held_rows}
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", nargs="?", default="../shared/data")
    p.add_argument("--out", default=str(DEFAULT_WEIGHTS))
    p.add_argument("--clinc", type=int, default=1500, help="clinc150 train rows to sample as benign")
    p.add_argument("--banking", type=int, default=1000, help="banking77 train rows to sample as benign")
    p.add_argument("--heldout", type=int, default=2000, help="test rows per benign set to measure FPR on")
    p.add_argument("--max-fpr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    started = time.time()
    data = Path(args.data)

    frame = load_training(data, args.clinc, args.banking, args.seed)
    y = frame["label"].values
    progress(f"{len(frame)} training rows; computing features")
    data_pieces = Pieces(frame["text"].tolist(), y)
    progress(f"{len(data_pieces.owner)} pieces (texts and their chunks)")
    strata = (frame["source"] + frame["label"].astype(str)).tolist()
    z = out_of_fold(data_pieces, y, strata, args.seed)
    threshold = choose_threshold(z, frame, args.max_fpr)
    slope = platt_slope(z, y)

    from sklearn.metrics import roc_auc_score

    cv = {"n": len(frame), "auc": float(roc_auc_score(y, z)), **rates(z >= threshold, frame)}
    models = fit_blocks(data_pieces, y)
    heldout = load_heldout(data, args.heldout, args.seed + 1)
    held_fpr = {}
    for name, texts in heldout.items():
        held_fpr[name] = float((text_logits(models, Pieces(texts)) >= threshold).mean())
    meta = {
        "model": "injection-minilm-chargram-lr-v2",
        "trained": time.strftime("%Y-%m-%d", time.gmtime()),
        "command": "python -m training.train_injection " + " ".join(argv if argv is not None else sys.argv[1:]),
        "threshold_logit": threshold, "slope": slope, "max_fpr": args.max_fpr,
        "cross_validation": cv, "heldout_benign_fpr": held_fpr,
        "train_seconds": time.time() - started,
    }
    out = Path(args.out)
    save(out, models, threshold, slope, meta)
    (out / "DATASHEET.md").write_text(datasheet(frame, meta, {k: len(v) for k, v in heldout.items()}))
    print(json.dumps({k: meta[k] for k in ("cross_validation", "heldout_benign_fpr", "train_seconds")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
