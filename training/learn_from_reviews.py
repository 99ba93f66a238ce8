"""Learn from moderators' decisions, privately: retrain the offline toxicity model's head with DP-SGD.

    python -m training.learn_from_reviews [--target-epsilon 3] [--out data/toxicity_reviewed]

A decision is a label. On an item the toxicity guard held: approved = the guard was wrong (not toxic),
rejected = it was right (toxic), unless the moderator's reason was personal data. On a reply a person
reported (guards = user_report): rejected = toxicity the guard missed, approved = a fine reply. Items held
only by the PII guard say nothing about toxicity and are left out.

Only the stored redacted text (ReviewItem.reply: personal-data spans replaced by [ENTITY] placeholders) is
read; the sealed original is never opened. The encoder stays frozen (its features are computed once);
only the linear head is trained, starting from the shipped one, with Opacus' DP-SGD
(make_private_with_epsilon): per-example gradients clipped and noised so that the head, and anything
computed from it, is (ε, δ)-differentially private with respect to each decision.

A share of the decisions (chosen by item id, so reruns agree) is held back. Before and after figures
are measured on the dev data and on the held-back decisions; the new weights are written to --out only
if the new head is no worse on both (AUC and F1 within --tolerance). The report, with ε and δ spent,
goes to --report (docs/privacy/privacy.json), which `make model-card` reads.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TOXIC_REASON_EXCLUDED = {"personal data"}  # a rejection for personal data is not a toxicity label


@dataclass(frozen=True)
class Example:
    item_id: int
    text: str  # the redacted reply, as stored
    label: int  # 1 = toxic
    source: str  # "toxicity" (held by the guard) or "user_report"


def load_decisions(engine) -> list[Example]:
    """Decided items that carry a toxicity label, with their redacted text only."""
    from sqlmodel import Session, select

    from review.queue import USER_REPORT
    from review.tables import Decision, ReviewItem

    out = []
    with Session(engine) as s:
        # Only the redacted column is selected: the sealed original is not even read from the database.
        rows = s.exec(select(ReviewItem.id, ReviewItem.reply, ReviewItem.guards, Decision.outcome, Decision.reason_code)
                      .join(Decision, Decision.item_id == ReviewItem.id).order_by(ReviewItem.id)).all()
    for item_id, reply, guards, outcome, reason in rows:
        fired = set((guards or "").split(","))
        if outcome not in ("approved", "rejected") or not (reply or "").strip():
            continue
        if USER_REPORT in fired:
            out.append(Example(item_id, reply, int(outcome == "rejected"), USER_REPORT))
        elif "toxicity" in fired and not (outcome == "rejected" and reason in TOXIC_REASON_EXCLUDED):
            out.append(Example(item_id, reply, int(outcome == "rejected"), "toxicity"))
    return out


def held_back(example: Example, share: float) -> bool:
    # By item id, not at random: a rerun (with more decisions) keeps the same items held back.
    return (example.item_id * 2654435761 % 2**32) / 2**32 < share


def features(model, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """The frozen encoder's pooled output: what the head sees (MiniLMToxicityModel's forward, minus the head)."""
    import torch

    from guardrails.toxicity_minilm import normalise

    net, out = model.net, []
    net.eval()
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            b = model.tokenizer([normalise(t) for t in texts[i:i + batch_size]], padding=True, truncation=True,
                                max_length=model.max_length, return_tensors="pt")
            hidden = net.encoder(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).last_hidden_state
            mask = b["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            out.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)).numpy())
    return np.concatenate(out) if out else np.zeros((0, net.head.in_features), dtype=np.float32)


def scores(head, x: np.ndarray) -> np.ndarray:
    import torch

    with torch.inference_mode():
        return torch.sigmoid(head(torch.from_numpy(x)).squeeze(-1)).numpy()


def train_private(head, x: np.ndarray, y: np.ndarray, target_epsilon: float, delta: float, epochs: int,
                  batch_size: int, max_grad_norm: float, lr: float, seed: int):
    """DP-SGD on a copy of `head`; returns (trained head, privacy figures)."""
    import copy
    import warnings

    import torch
    from opacus import PrivacyEngine
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(seed)
    model = copy.deepcopy(head).train()
    data = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y.astype(np.float32))),
                      batch_size=min(batch_size, len(x)), shuffle=True)
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    with warnings.catch_warnings():
        # Opacus warns that its secure RNG is off: the noise comes from torch's generator, which is seedable
        # but not cryptographically strong (README, "Learning from reviews").
        warnings.simplefilter("ignore")
        engine = PrivacyEngine(accountant="prv")
        model, optimiser, data = engine.make_private_with_epsilon(
            module=model, optimizer=optimiser, data_loader=data, target_epsilon=target_epsilon,
            target_delta=delta, epochs=epochs, max_grad_norm=max_grad_norm)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        for xb, yb in data:
            if len(xb) == 0:  # Poisson sampling can draw an empty batch
                continue
            optimiser.zero_grad()
            loss_fn(model(xb).squeeze(-1), yb).backward()
            optimiser.step()
    trained = torch.nn.Linear(head.in_features, 1)
    trained.load_state_dict({k.removeprefix("_module."): v for k, v in model.state_dict().items()})
    privacy = {
        "epsilon": float(engine.get_epsilon(delta)),
        "delta": delta,
        "target_epsilon": target_epsilon,
        "noise_multiplier": float(optimiser.noise_multiplier),
        "max_grad_norm": max_grad_norm,
        "epochs": epochs,
        "batch_size": batch_size,
        "sample_rate": 1 / len(data),
        "accountant": "prv",
    }
    return trained.eval(), privacy


def figures(labels: np.ndarray, s: np.ndarray, threshold: float) -> dict:
    from guardrails.metrics import binary_metrics

    m = binary_metrics(labels.astype(bool), s, threshold)
    # On a set of one class the figures that need both (AUC, precision) are absent: None, and skipped by no_worse.
    return {k: m.get(k) for k in ("n", "auc", "f1", "precision", "recall", "fpr", "accuracy")}


def no_worse(before: dict, after: dict, tolerance: float) -> tuple[bool, str]:
    """Promote only if, on every set, AUC (where both classes exist) and F1 are no worse beyond `tolerance`."""
    worse = []
    for name in before:
        for metric in ("auc", "f1"):
            b, a = before[name].get(metric), after[name].get(metric)
            if b is None or a is None:
                continue
            if a < b - tolerance:
                worse.append(f"{name} {metric} {b:.3f} → {a:.3f}")
    if worse:
        return False, "the new head is worse on " + "; ".join(worse) + f" (tolerance {tolerance}); the current weights stay."
    return True, f"no worse than the current head on {', '.join(before)} (AUC and F1 within {tolerance})."


def read_dev(path: Path, text_col: str, label_col: str, positive: str, where: list[str]):
    from guardrails.evaluate import read_labelled_csv

    _, texts, labels = read_labelled_csv(str(path), text_col, label_col, positive, where=where)
    return texts, labels


def save_weights(model, head, out: Path, meta_extra: dict) -> None:
    import torch

    from guardrails.toxicity_minilm import save_weights as write_shards

    state = model.net.shipped_state()
    state["head.weight"] = head.weight.detach().to(torch.float16).contiguous()
    state["head.bias"] = head.bias.detach().to(torch.float16).contiguous()
    write_shards(state, out)
    meta = dict(model.meta)
    meta["version"] = f"{model.meta.get('version', '')}+reviews".lstrip("+")
    meta["learned_from_reviews"] = meta_extra
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def learn(engine, tox_model, dev: tuple[list[str], np.ndarray], *, target_epsilon: float = 3.0, delta: float | None = None,
          epochs: int = 20, batch_size: int = 64, max_grad_norm: float = 1.0, lr: float = 0.01, heldback_share: float = 0.25,
          tolerance: float = 0.01, threshold: float = 0.5, seed: int = 0, min_decisions: int = 20, log=print) -> dict:
    """Train, compare, and say whether to promote. Returns the report (and, under "head", the new head)."""
    examples = load_decisions(engine)
    train = [e for e in examples if not held_back(e, heldback_share)]
    back = [e for e in examples if held_back(e, heldback_share)]
    if len(train) < min_decisions or len({e.label for e in train}) < 2:
        raise ValueError(f"need at least {min_decisions} decisions with both outcomes to learn from; "
                         f"found {len(train)} for training ({sum(e.label for e in train)} toxic) and {len(back)} held back")
    delta = delta if delta is not None else 1 / (len(train) ** 1.1)  # below 1/n, as DP-SGD needs
    log(f"{len(examples)} decisions with a toxicity label: {len(train)} to train on, {len(back)} held back")
    x_train = features(tox_model, [e.text for e in train])
    y_train = np.array([e.label for e in train])
    sets = {"dev": (features(tox_model, dev[0]), np.asarray(dev[1]))}
    if back:
        sets["held-back decisions"] = (features(tox_model, [e.text for e in back]), np.array([e.label for e in back]))
    current = tox_model.net.head
    started = time.process_time()
    new_head, privacy = train_private(current, x_train, y_train, target_epsilon, delta, epochs, batch_size,
                                      max_grad_norm, lr, seed)
    train_cpu = time.process_time() - started
    before = {name: figures(y, scores(current, x), threshold) for name, (x, y) in sets.items()}
    after = {name: figures(y, scores(new_head, x), threshold) for name, (x, y) in sets.items()}
    promoted, reason = no_worse(before, after, tolerance)
    return {
        **privacy,
        "n_train": len(train), "n_train_toxic": int(y_train.sum()), "n_heldback": len(back),
        "by_source": {src: sum(e.source == src for e in train) for src in sorted({e.source for e in train})},
        "sets": list(sets), "before": before, "after": after, "threshold": threshold, "tolerance": tolerance,
        "promoted": promoted, "reason": reason, "train_cpu_seconds": round(train_cpu, 2),
        "head": new_head,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.learn_from_reviews", description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help="default: DATABASE_URL, as the app")
    p.add_argument("--dev", type=Path, default=Path("../shared/data/convabuse.csv"), help="labelled CSV for the before/after check")
    p.add_argument("--dev-text-col", default="text")
    p.add_argument("--dev-label-col", default="label")
    p.add_argument("--dev-positive", default="1")
    p.add_argument("--dev-where", action="append", default=None, help="COLUMN=VALUE (default: split=dev)")
    p.add_argument("--target-epsilon", type=float, default=3.0)
    p.add_argument("--delta", type=float, help="default: 1/n^1.1 for n training decisions")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--max-grad-norm", type=float, default=1.0)
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate; small, as the head starts from the shipped one")
    p.add_argument("--heldback", type=float, default=0.25, help="share of decisions held back for the check")
    p.add_argument("--tolerance", type=float, default=0.01, help="how much worse (AUC, F1) still counts as no worse")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=ROOT / "data" / "toxicity_reviewed", help="where promoted weights go (TOXICITY_WEIGHTS)")
    p.add_argument("--report", type=Path, default=ROOT / "docs" / "privacy" / "privacy.json")
    p.add_argument("--source-note", default="", help="a sentence for the model card on where the decisions came from")
    args = p.parse_args(argv)

    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from guardrails.toxicity_minilm import MiniLMToxicityModel
    from review.db import make_engine
    from wiring.settings import Settings

    try:
        settings = Settings.from_env()
        engine = make_engine(args.database_url or settings.database_url or None)
        # float32: DP-SGD trains the head on the net's float32 features, so the current head is measured on
        # the same ones; the app then runs whichever head in int8 or float32 as TOXICITY_QUANTIZE says.
        tox = MiniLMToxicityModel(settings.toxicity_weights or None, quantize="none")
        if not args.dev.is_file():
            raise ValueError(f"--dev {args.dev}: no such file")
        dev = read_dev(args.dev, args.dev_text_col, args.dev_label_col, args.dev_positive,
                       args.dev_where if args.dev_where is not None else ["split=dev"])
        report = learn(engine, tox, dev, target_epsilon=args.target_epsilon, delta=args.delta, epochs=args.epochs,
                       batch_size=args.batch_size, max_grad_norm=args.max_grad_norm, lr=args.lr,
                       heldback_share=args.heldback, tolerance=args.tolerance,
                       threshold=settings.toxicity_threshold, seed=args.seed,
                       log=lambda m: print(m, file=sys.stderr))
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    head = report.pop("head")
    report.update({
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m training.learn_from_reviews " + shlex.join(sys.argv[1:] if argv is None else argv),
        "base_model": tox.name, "dev": f"{args.dev.name} ({', '.join(args.dev_where or ['split=dev'])})",
        "source": args.source_note, "out": str(args.out) if report["promoted"] else None,
    })
    if report["promoted"]:
        save_weights(tox, head, args.out, {k: report[k] for k in ("date", "epsilon", "delta", "n_train", "before", "after")})
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    for name in report["sets"]:
        b, a = report["before"][name], report["after"][name]
        print(f"{name}: AUC {b['auc'] or float('nan'):.3f} → {a['auc'] or float('nan'):.3f}, "
              f"F1 {b['f1']:.3f} → {a['f1']:.3f}", file=sys.stderr)
    print(f"privacy spent: ε = {report['epsilon']:.2f}, δ = {report['delta']:.1e} "
          f"(noise multiplier {report['noise_multiplier']:.2f}, clip {report['max_grad_norm']})", file=sys.stderr)
    print(("PROMOTED: " + report["reason"] + f" Weights in {args.out}; set TOXICITY_WEIGHTS={args.out} to use them.")
          if report["promoted"] else "NOT PROMOTED: " + report["reason"], file=sys.stderr)
    print(json.dumps({k: report[k] for k in ("epsilon", "delta", "promoted", "n_train", "n_heldback")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
