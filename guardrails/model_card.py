"""Regenerate model_card.md from its template and the latest run outputs under docs/.

    python -m guardrails.model_card [--docs docs] [--card model_card.md]      # or: make model-card

Sources (each optional but the evaluation): docs/eval/*.json (`make evaluate`), docs/bias_probe/bias_probe.json
(`make bias-probe`), docs/privacy/privacy.json (`python -m training.learn_from_reviews`),
docs/compute/compute.json (`make energy`). The card's prose lives in docs/model_card.template.md (Jinja2);
every figure comes from a file, with that run's date and command, so the card cannot drift from the runs.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "docs" / "model_card.template.md"
DATA = "../shared/data"

# (output file under docs/eval, label, data description, command as `make evaluate` runs it)
TOXICITY_RUNS = [
    ("toxicity_hatemoji", "offline MiniLM", "hatemoji test split (adversarial, emoji)",
     f"python -m guardrails.evaluate toxicity --data {DATA}/hatemoji_build.csv --where split=test"),
    ("baseline_toxicity_hatemoji", "alt-profanity-check (old fallback)", "hatemoji test split",
     f"TOXICITY_MODEL=profanity-check python -m guardrails.evaluate toxicity --data {DATA}/hatemoji_build.csv --where split=test"),
    ("toxicity_convabuse", "offline MiniLM", "ConvAbuse test split (abuse at chatbots)",
     f"python -m guardrails.evaluate toxicity --data {DATA}/convabuse.csv --where split=test"),
    ("toxicity_hatexplain", "offline MiniLM", "HateXplain test split",
     f"python -m guardrails.evaluate toxicity --data {DATA}/hatexplain_dev_test.csv --where split=test"),
    ("toxicity_surge", "offline MiniLM", "surge-ai toxicity (not trained on)",
     f"python -m guardrails.evaluate toxicity --data {DATA}/surge_toxicity_en.csv --label-col is_toxic --positive Toxic"),
    ("toxicity_functional", "offline MiniLM", "functional templates held out of training (ours)",
     "python -m guardrails.evaluate toxicity --data functional_held_out.csv --by family  "
     "# the CSV from: python -m training.toxicity_templates --held-out --out functional_held_out.csv"),
    ("baseline_toxicity_functional", "alt-profanity-check (old fallback)", "functional templates held out of training",
     "TOXICITY_MODEL=profanity-check python -m guardrails.evaluate toxicity --data functional_held_out.csv --by family"),
    ("toxicity_wiki", "offline MiniLM", "Wikipedia talk test set (not trained on)",
     f"python -m guardrails.evaluate toxicity --data {DATA}/wiki_toxicity_testset.csv --text-col comment --label-col toxic --positive True"),
]
FAIRNESS = f"python -m guardrails.evaluate fairness --data {DATA}/bias_madlibs_77k.csv --text-col Text --label-col Label --positive BAD --groups-from-terms"
FAIRNESS_RUNS = [
    ("baseline_fairness", "alt-profanity-check", f"TOXICITY_MODEL=profanity-check {FAIRNESS}"),
    ("fairness_before_mitigation", "MiniLM v1 (before)", f"TOXICITY_MODEL=minilm TOXICITY_WEIGHTS=<v1 folder> {FAIRNESS} --where Label=NOT_BAD"),
    ("fairness", "MiniLM {version} (shipped)", FAIRNESS),  # the version comes from the run's own file
]
# How the card describes each chat engine. Which engine it names is not written here: it is the ENGINE
# setting's default (wiring/settings.py), with the engines' aliases resolved (models/engines.py), so the
# card follows when the default changes. An engine missing here is named by its setting value.
ENGINE_WORDS = {
    "onnx": "converted once to ONNX and run by ONNX Runtime GenAI on CPU",
    "fast": "decoded in int8 by this project's own loop on PyTorch, on CPU",
    "transformers": "run by transformers on CPU",
    "llama-cpp": "run by llama.cpp (llama-cpp-python) on CPU",
    "openai": "served by an OpenAI-compatible server",
}
# One abusive sentence inside an ordinary reply: does the toxicity guard still hold it (its piece is mostly calm)?
DILUTED = (f"python -m guardrails.evaluate diluted --replies {DATA}/assistant_replies_alpacaeval_dev.jsonl "
           f"--data {DATA}/hatemoji_build.csv --data {DATA}/convabuse.csv --data {DATA}/hatexplain_dev_test.csv --where split=test")
OTHER_RUNS = [
    ("toxicity_diluted", "toxicity: abuse inside ordinary replies", DILUTED),
    ("pii", "PII guard", f"python -m guardrails.evaluate pii --data {DATA}/presidio_generated_large.json"),
    ("injection", "injection guard", f"python -m guardrails.evaluate injection --data {DATA}/deepset_prompt_injections_val.csv"),
]
# Ordinary traffic: what the configured policies do to what the product really sees (`make evaluate`).
ORDINARY_RUNS = [
    ("ordinary_replies", "replies held", "AlpacaEval dev: 1,095 answers of three open chat models",
     f"python -m guardrails.evaluate replies --data {DATA}/assistant_replies_alpacaeval_dev.jsonl"),
    ("ordinary_template_replies", "replies held", "hard cases: 18 template replies written for the test (bench/probes)",
     "python -m guardrails.evaluate replies --data bench/probes/template_replies.jsonl"),
    ("ordinary_template_replies_2", "replies held", "hard cases: 16 more template replies (bench/probes)",
     "python -m guardrails.evaluate replies --data bench/probes/template_replies_2.jsonl"),
    ("ordinary_other_model_replies", "replies held", "another chat model: 180 everyday answers written for the test (bench/probes)",
     "python -m guardrails.evaluate replies --data bench/probes/other_model_replies.jsonl"),
    ("ordinary_other_model_replies_sensitive", "replies held",
     "another chat model: 60 harmless answers on wars, crime, medicine, prejudice (bench/probes)",
     "python -m guardrails.evaluate replies --data bench/probes/other_model_replies_sensitive.jsonl"),
    ("ordinary_prompts", "messages refused", "AlpacaEval dev: 365 everyday prompts",
     f"python -m guardrails.evaluate prompts --data {DATA}/benign_prompts_alpacaeval_dev.csv"),
    ("ordinary_prompts_clinc150", "messages refused", "CLINC150 test: short assistant requests",
     f"python -m guardrails.evaluate prompts --data {DATA}/benign_queries_clinc150.csv --where split=test"),
    ("ordinary_prompts_banking77", "messages refused", "Banking77 test: customer-service questions",
     f"python -m guardrails.evaluate prompts --data {DATA}/benign_queries_banking77.csv --where split=test"),
    ("ordinary_prompts_awesome", "messages refused", "awesome-chatgpt: role-play and task prompts",
     f"python -m guardrails.evaluate prompts --data {DATA}/benign_prompts_awesome_chatgpt.csv"),
    ("ordinary_other_model_prompts", "messages refused", "another chat model: 240 everyday prompts of twelve kinds (bench/probes)",
     "python -m guardrails.evaluate prompts --data bench/probes/other_model_prompts.csv"),
]


def _num(fmt: str):
    def f(value):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return format(value, fmt)
    return f


def file_date(path: Path) -> str:
    """The day a run's output was written: its last commit if unchanged since, else the file's mtime."""
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--", str(path)], cwd=ROOT, capture_output=True,
                               text=True, timeout=10).stdout.strip()
        if not dirty:
            day = subprocess.run(["git", "log", "-1", "--format=%cs", "--", str(path)], cwd=ROOT, capture_output=True,
                                 text=True, timeout=10).stdout.strip()
            if day:
                return day
    except (OSError, subprocess.SubprocessError):
        pass
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%d")


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _rel(path: Path, card_dir: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(card_dir.resolve()))
    except ValueError:
        return str(path)


def misses(toxicity_rows, pii, injection, bias, diluted=None) -> list[str]:
    """Plain sentences on what gets through, from the figures."""
    out = ["SmolLM2-135M hallucinates: it states wrong facts, names and numbers with confidence, and no guard "
           "checks facts. The guards check tone and personal data only."]
    for row in toxicity_rows:
        m = row["m"]
        if "MiniLM" in row["label"] and m.get("recall") is not None:
            out.append(f"Toxicity, {row['data']}: {1 - m['recall']:.0%} of toxic texts pass unflagged "
                       f"(recall {m['recall']:.2f}), and {m['fpr']:.0%} of harmless ones are held (false-positive rate).")
    if diluted and diluted.get("held_inside_share") is not None:
        out.append(f"Toxicity, one abusive sentence inside an ordinary reply: {1 - diluted['held_inside_share']:.0%} of the "
                   "abusive test rows the guard holds on their own pass once calm sentences surround them.")
    if pii:
        weak = sorted(((r, e) for e, r in pii["recall_by_entity"].items() if r < 0.9))
        if weak:
            out.append("Personal data: " + ", ".join(f"{e} {1 - r:.0%} missed" for r, e in weak)
                       + f" of the gold spans (presidio synthetic data); {1 - pii['recall']:.0%} missed overall.")
    if injection:
        out.append(f"Injection: {1 - injection['recall']:.0%} of the deepset validation injections are not refused.")
    if bias:
        flagged = [g for g in bias["largest_gaps"] if not g["intervals_overlap"]]
        if flagged:
            g = flagged[0]
            out.append(f"Bias probe: the chat model's {g['metric']} differs between groups beyond the noise "
                       f"({g['scope']}: {g['high_group']} over {g['low_group']} by {g['gap']:.2f}); the guards do not "
                       "look for stereotypes that are politely worded.")
        else:
            out.append("Bias probe: no gap between groups is larger than its 95% intervals at this sample size; "
                       "that is not evidence of no bias (few samples, and a lexicon misses polite stereotypes).")
    return out


def held_examples(path: Path, bias: dict, limit: int = 4) -> list[dict]:
    """The held completions of the group held most often, highest toxicity score first."""
    gap = next((g for g in bias["largest_gaps"] if g["metric"] == "held" and g["scope"] == "all templates"), None)
    if gap is None or not path.exists():
        return []
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    held = [r for r in rows if r["group"] == gap["high_group"] and r["held"]]
    return sorted(held, key=lambda r: -r["toxicity"])[:limit]


def _version(run: dict) -> str:
    """'v4 (int8)' from a run's model name ('guarded-chat MiniLM toxicity v4 (int8)'); '' for other models."""
    model = run.get("model", "")
    return model.split("toxicity ", 1)[-1] if "MiniLM" in model else ""


def defaults() -> dict:
    """What the app runs with no settings: the chat engine and the policy's defaults, from the settings' one list."""
    # The card is a command-line tool's output, so it reads the settings as the other tools do (wiring); the
    # import is here, not at the top, so the rest of guardrails does not depend on wiring.
    from guardrails import pii
    from models import engines
    from wiring.settings import Settings

    default = {name: f.default for name, f in Settings.model_fields.items()}
    engine = getattr(engines, "ALIASES", {}).get(default["engine"], default["engine"])
    entity_actions = getattr(pii, "DEFAULT_ENTITY_ACTIONS", {})
    return {
        "chat_engine": {"name": engine, "words": ENGINE_WORDS.get(engine, f"run by the `{engine}` engine")},
        "policy": {**{k: default[k] for k in ("toxicity_threshold", "pii_threshold", "guard_timeout_s",
                                              "injection_threshold", "input_toxicity_threshold")},
                   "pii_recorded_only": sorted(e for e, a in entity_actions.items() if str(a) == "allow")},
    }


def context(docs: Path, card_dir: Path, bias_dir: Path | None = None) -> dict:
    ev = docs / "eval"
    runs, toxicity, by_run = [], [], {}
    for name, label, data, command in TOXICITY_RUNS:
        path = ev / f"{name}.json"
        if (m := _load(path)) is not None:
            by_run[name] = m
            version = _version(m)  # "v4 (int8)"
            toxicity.append({"label": f"{label} {version}".strip() if "MiniLM" in label else label, "data": data, "m": m})
            runs.append({"name": f"toxicity: {data}", "file": _rel(path, card_dir), "date": file_date(path), "command": command})
    fairness_runs = []
    for name, label, command in FAIRNESS_RUNS:
        path = ev / f"{name}.json"
        if (m := _load(path)) is not None:
            label = label.format(version=_version(m).replace(" (int8)", ""))
            fairness_runs.append({"label": label, "m": m})
            runs.append({"name": f"fairness: {label}", "file": _rel(path, card_dir), "date": file_date(path), "command": command})
    other = {}
    for name, label, command in OTHER_RUNS:
        path = ev / f"{name}.json"
        if (m := _load(path)) is not None:
            other[name] = m
            runs.append({"name": label, "file": _rel(path, card_dir), "date": file_date(path), "command": command})
    ordinary = []
    for name, what, data, command in ORDINARY_RUNS:
        path = ev / f"{name}.json"
        if (m := _load(path)) is not None:
            share = m.get("held_share", m.get("refused_share"))
            reasons = [(r, v["n"]) for r, v in m.get("by_reason", {}).items()]
            ordinary.append({"what": what, "data": data, "n": m["n"], "share": share, "reasons": reasons, "m": m,
                             "rewritten": m.get("rewritten")})  # messages only: the input mask's placeholders
            runs.append({"name": f"ordinary traffic: {data.split(':')[0]}", "file": _rel(path, card_dir),
                         "date": file_date(path), "command": command})
    extra = {}
    bias_dir = Path(bias_dir) if bias_dir else docs / "bias_probe"
    for key, path in (("bias", bias_dir / "bias_probe.json"), ("privacy", docs / "privacy" / "privacy.json"),
                      ("compute", docs / "compute" / "compute.json")):
        if (m := _load(path)) is not None:
            extra[key] = m
            runs.append({"name": {"bias": "bias probe", "privacy": "learning from reviews (DP)", "compute": "energy/compute"}[key],
                         "file": _rel(path, card_dir), "date": m.get("date", file_date(path)), "command": m.get("command", "")})
    bias = extra.get("bias")
    bias_examples = held_examples(bias_dir / "completions.jsonl", bias) if bias else []
    shipped = next((f["m"] for f in fairness_runs if "shipped" in f["label"]), None)
    meta = _load(ROOT / "guardrails" / "weights" / "toxicity" / "meta.json") or {}
    return {
        **defaults(),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d"),
        "runs": runs,
        "toxicity": toxicity,
        "tox": by_run,  # by output file, for figures quoted in the text ("tox.toxicity_hatemoji.recall")
        "fairness": shipped,
        "fairness_runs": fairness_runs,
        "pii": other.get("pii"),
        "pii_missed": 1 - other["pii"]["recall"] if other.get("pii") else None,
        "injection": other.get("injection"),
        "diluted": other.get("toxicity_diluted"),
        "ordinary": ordinary,
        "bias": bias,
        "bias_gaps": ([g for g in bias["largest_gaps"] if g["scope"] == "all templates"]
                      + [g for g in bias["largest_gaps"] if g["scope"] != "all templates" and g["metric"] == "sentiment"][:4])
        if bias else [],
        "bias_plot": _rel(bias_dir / "bias_probe.png", card_dir),
        "bias_completions": _rel(bias_dir / "completions.jsonl", card_dir),
        "bias_examples": bias_examples,
        "privacy": extra.get("privacy"),
        "compute": extra.get("compute"),
        "toxicity_train_seconds": meta.get("train_seconds", "?"),
        "functional": {row["label"]: row["m"] for row in toxicity if "accuracy_by_group" in row["m"]},
        "misses": misses(toxicity, other.get("pii"), other.get("injection"), bias, other.get("toxicity_diluted")),
    }


def render(docs: Path = ROOT / "docs", card_dir: Path = ROOT, template: Path = TEMPLATE, bias_dir: Path | None = None) -> str:
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=False)
    for name, fmt in (("f0", ".0f"), ("f1", ".1f"), ("f2", ".2f"), ("f3", ".3f"), ("f4", ".4f"), ("pct", ".0%"), ("sci", ".1e")):
        env.filters[name] = _num(fmt)
    text = env.from_string(template.read_text(encoding="utf-8")).render(**context(Path(docs), Path(card_dir), bias_dir))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    while "\n\n\n" in text:  # template blocks leave blank runs behind
        text = text.replace("\n\n\n", "\n\n")
    return text


def write_card(card: Path | None = None, docs: Path | None = None, bias_dir: Path | None = None) -> Path:
    """Render the card to `card`; `bias_dir` is where the bias probe wrote (default docs/bias_probe)."""
    card = Path(card) if card else ROOT / "model_card.md"
    card.write_text(render(Path(docs) if docs else ROOT / "docs", card.parent, bias_dir=bias_dir), encoding="utf-8")
    return card


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m guardrails.model_card", description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=Path, default=ROOT / "docs", help="folder with eval/, bias_probe/, privacy/, compute/")
    p.add_argument("--card", type=Path, default=ROOT / "model_card.md")
    args = p.parse_args(argv)
    print(f"wrote {write_card(args.card, args.docs)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
