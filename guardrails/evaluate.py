"""Evaluate a guard on your own labelled data: one JSON object on stdout, progress on stderr.

    python -m guardrails.evaluate toxicity  --data FILE.csv --text-col text --label-col label [--positive 1]
    python -m guardrails.evaluate fairness  --data FILE.csv --text-col text --label-col label --group-col group
    python -m guardrails.evaluate pii       --data FILE.json
    python -m guardrails.evaluate injection --data FILE.csv --text-col text --label-col label
    python -m guardrails.evaluate replies   --data FILE.jsonl [--text-field reply]   (ordinary traffic: share held)
    python -m guardrails.evaluate prompts   --data FILE.csv [--text-col text]        (ordinary traffic: share refused)
    python -m guardrails.evaluate diluted   --replies FILE.jsonl --data FILE.csv     (abuse set inside ordinary replies)

The guard evaluated is the one the app would run, configured by the same environment variables
(TOXICITY_MODEL, TOXICITY_THRESHOLD, PII_ENTITIES, ...). `--report DIR` also writes report.md and PNG plots.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from guardrails.metrics import binary_metrics, fairness_metrics, span_metrics

# Identity terms for --groups-from-terms, grouped as in the bias literature (Dixon et al. 2018 use single terms).
IDENTITY_TERMS = [
    "lesbian", "gay", "bisexual", "transgender", "trans", "queer", "lgbt", "lgbtq", "homosexual", "heterosexual", "straight",
    "muslim", "jewish", "jew", "christian", "catholic", "protestant", "buddhist", "hindu", "sikh", "atheist",
    "black", "white", "asian", "african", "african american", "latino", "latina", "latinx", "hispanic", "mexican",
    "chinese", "japanese", "indian", "middle eastern", "arab", "european", "american", "canadian", "native american",
    "male", "female", "man", "woman", "men", "women", "nonbinary", "deaf", "blind", "paralyzed", "disabled",
    "old", "older", "young", "younger", "teenage", "elderly", "immigrant", "refugee",
]
_TERM_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, IDENTITY_TERMS), key=len, reverse=True)) + r")\b", re.I)

# Gold entity names used by common PII datasets, mapped to the presidio names the guard reports.
ENTITY_ALIASES = {
    "PER": "PERSON", "NAME": "PERSON", "FIRST_NAME": "PERSON", "LAST_NAME": "PERSON", "FULL_NAME": "PERSON",
    "EMAIL": "EMAIL_ADDRESS", "PHONE": "PHONE_NUMBER", "TELEPHONE": "PHONE_NUMBER", "CREDIT_CARD_NUMBER": "CREDIT_CARD",
    "IBAN": "IBAN_CODE", "SSN": "US_SSN", "IP": "IP_ADDRESS", "IPV4": "IP_ADDRESS", "IPV6": "IP_ADDRESS",
    "STREET_ADDRESS": "ADDRESS", "STREET": "ADDRESS", "US_SOCIAL_SECURITY_NUMBER": "US_SSN",
    "SOCIAL_SECURITY_NUMBER": "US_SSN", "PHONE_NUM": "PHONE_NUMBER", "EMAIL_ADDR": "EMAIL_ADDRESS", "IP_ADDR": "IP_ADDRESS",
    "CREDITCARD": "CREDIT_CARD", "CARD_NUMBER": "CREDIT_CARD", "IBAN_NUMBER": "IBAN_CODE",
    # ai4privacy-style and Kaggle PII-detection names
    "GIVENNAME": "PERSON", "GIVEN_NAME": "PERSON", "SURNAME": "PERSON", "FAMILY_NAME": "PERSON", "PERSON_NAME": "PERSON",
    "NAME_STUDENT": "PERSON", "TELEPHONENUM": "PHONE_NUMBER", "PHONENUMBER": "PHONE_NUMBER",
    "CREDITCARDNUMBER": "CREDIT_CARD", "SOCIALNUM": "US_SSN", "EMAILADDRESS": "EMAIL_ADDRESS", "IPADDRESS": "IP_ADDRESS",
    "FIRSTNAME": "PERSON", "LASTNAME": "PERSON", "MIDDLENAME": "PERSON", "MIDDLE_NAME": "PERSON",
    "STREETADDRESS": "ADDRESS", "BUILDINGNUMBER": "ADDRESS", "BUILDINGNUM": "ADDRESS",
    "DRIVERLICENSENUM": "US_DRIVER_LICENSE", "DRIVER_LICENSE": "US_DRIVER_LICENSE", "DRIVERS_LICENSE": "US_DRIVER_LICENSE",
    "PASSPORTNUM": "US_PASSPORT", "PASSPORT": "US_PASSPORT", "PASSPORT_NUMBER": "US_PASSPORT",
}


def gold_entity(name: str) -> str:
    """A dataset's entity name in the guard's vocabulary: case and separators ignored, aliases applied."""
    key = re.sub(r"[\s-]+", "_", str(name).strip()).upper()
    return ENTITY_ALIASES.get(key, key)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_table(path: str):
    """CSV by default; TSV, JSON Lines, JSON (a list of records) and Parquet by their extension."""
    import pandas as pd

    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(path, lines=True)
    if suffix == ".json":
        return pd.read_json(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    sep = "\t" if suffix in (".tsv", ".tab") else ","
    try:
        return pd.read_csv(path, sep=sep)
    except UnicodeDecodeError:  # spreadsheets still save Windows-1252; every byte decodes in it but five
        progress(f"note: {path} is not UTF-8; reading it as Windows-1252")
        return pd.read_csv(path, sep=sep, encoding="cp1252", encoding_errors="replace")


_COMPARISON = re.compile(r"^\s*(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)\s*$")


def is_positive(value, positive: str) -> bool:
    """`value` equals `positive` as text (case-insensitive), or as a number ("1.0" is 1, True is 1).

    `positive` may also be a comparison, for labels that are a share of annotators: ">=0.5"."""
    if m := _COMPARISON.match(str(positive)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        op, limit = m.group(1), float(m.group(2))
        return {">=": number >= limit, ">": number > limit, "<=": number <= limit, "<": number < limit}[op]
    text, want = str(value).strip().lower(), str(positive).strip().lower()
    if text == want:
        return True
    try:
        return float({"true": 1, "false": 0}.get(text, text)) == float({"true": 1, "false": 0}.get(want, want))
    except ValueError:
        return False


def group_values(frame, column: str) -> list[str | None]:
    """A group column as text, None where it is empty: functional suites leave the target blank on rows
    about no group (HateCheck's profanity and spam cases), and pandas reads those as NaN."""
    import pandas as pd

    return [None if pd.isna(v) or not str(v).strip() else str(v).strip() for v in frame[column]]


def keep_where(frame, where: list[str], path: str):
    for condition in where or ():
        column, sep, value = condition.partition("=")
        if not sep or column not in frame.columns:
            raise SystemExit(f"--where {condition!r}: expected COLUMN=VALUE with a column of {path}")
        frame = frame[frame[column].astype(str) == value]
    return frame


def read_labelled_csv(path: str, text_col: str, label_col: str, positive: str, extra: list[str] = (), where: list[str] = ()):
    frame = keep_where(read_table(path), where, path)
    missing = [c for c in [text_col, label_col, *extra] if c and c not in frame.columns]
    if missing:
        raise SystemExit(f"{path}: no column(s) {', '.join(missing)}; columns are: {', '.join(map(str, frame.columns))}")
    frame = frame.dropna(subset=[text_col, label_col])
    texts = frame[text_col].astype(str).tolist()
    labels = np.array([is_positive(v, positive) for v in frame[label_col]], dtype=bool)
    if labels.all() or not labels.any():
        progress(f"note: every row is {'positive' if labels.all() else 'negative'} with --positive {positive!r}")
    return frame, texts, labels


def latency_ms(guard, texts: list[str], sample: int = 200) -> float:
    """Mean time for one text through guard.scan, as the app calls it per reply."""
    chosen = texts[:: max(1, len(texts) // sample)][:sample]
    if not chosen:
        return 0.0
    guard.scan(chosen[0])  # warm-up
    started = time.perf_counter()
    for text in chosen:
        guard.scan(text)
    return (time.perf_counter() - started) * 1000 / len(chosen)


def score_all(guard, texts: list[str], batch: int = 256) -> np.ndarray:
    scores = []
    for start in range(0, len(texts), batch):
        scores.extend(guard.risks(texts[start:start + batch]))
        progress(f"scored {min(start + batch, len(texts))}/{len(texts)}")
    return np.array(scores)


# -- guards, configured as the app configures them --------------------------------------------


def _settings():
    from wiring.settings import Settings

    try:
        return Settings.from_env()
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None


def _guard(name: str):
    from wiring.build import build_guards

    guard = build_guards(_settings(), [name])[name]
    if getattr(guard, "fallback_reason", None):
        progress(f"note: {guard.fallback_reason}; evaluating the fallback model {guard.model_name}")
    return guard


def toxicity_guard():
    return _guard("toxicity"), _settings().toxicity_threshold


def pii_guard():
    return _guard("pii"), _settings().pii_threshold


def injection_guard():
    return _guard("injection"), _settings().injection_threshold


# -- commands ----------------------------------------------------------------------------------


def evaluate_binary(guard, threshold: float, texts, labels) -> tuple[dict, np.ndarray]:
    scores = score_all(guard, texts)
    result = binary_metrics(labels, scores, threshold)
    result["model"] = guard.model_name
    result["ms_per_text"] = latency_ms(guard, texts)
    return result, scores


def cmd_toxicity(args, make_guard=toxicity_guard) -> dict:
    frame, texts, labels = read_labelled_csv(args.data, args.text_col, args.label_col, args.positive,
                                             extra=[args.by] if args.by else [], where=args.where)
    guard, threshold = make_guard()
    threshold = args.threshold if args.threshold is not None else threshold
    result, scores = evaluate_binary(guard, threshold, texts, labels)
    if args.by:  # e.g. a functional test suite's behaviours: where exactly does the guard fail?
        groups = np.array([g if g is not None else "(none)" for g in group_values(frame, args.by)])
        right = (scores >= threshold) == labels
        result["accuracy_by_group"] = {g: float(right[groups == g].mean()) for g in sorted(set(groups))}
        result["n_by_group"] = {g: int((groups == g).sum()) for g in sorted(set(groups))}
    if args.report:
        write_report(args.report, args.command, result, roc=(labels, scores))
    return result


def cmd_injection(args) -> dict:
    return cmd_toxicity(args, make_guard=injection_guard)


def cmd_fairness(args) -> dict:
    if not args.group_col and not args.groups_from_terms:
        raise SystemExit("fairness needs --group-col COL or --groups-from-terms")
    frame, texts, labels = read_labelled_csv(args.data, args.text_col, args.label_col, args.positive,
                                            [args.group_col] if args.group_col else [], where=args.where)
    if args.group_col:
        groups = group_values(frame, args.group_col)
    else:
        groups = [(m.group(1).lower() if (m := _TERM_RE.search(t)) else None) for t in texts]
    keep = [i for i, g in enumerate(groups) if g is not None]  # rows about no group take no part
    without_group = len(groups) - len(keep)
    if without_group:
        progress(f"note: {without_group} rows have no group and are left out")
    texts, labels, groups = [texts[i] for i in keep], labels[keep], [groups[i] for i in keep]
    guard, threshold = toxicity_guard()
    threshold = args.threshold if args.threshold is not None else threshold
    scores = score_all(guard, texts)
    result = fairness_metrics(labels, scores >= threshold, groups)
    result.update({"n": len(texts), "n_without_group": without_group, "threshold": threshold,
                   "model": guard.model_name})
    if args.report:
        write_report(args.report, "fairness", result, bars=("False-positive rate on non-toxic text", result["fpr_by_group"]))
    return result


def pii_row(row: dict, index: int) -> tuple[str, list[tuple[int, int, str]]]:
    """One record's text and gold spans: presidio-research's keys (full_text; spans of entity_type,
    start_position, end_position), or ai4privacy's (source_text; privacy_mask of label, start, end)."""
    text = next((row[k] for k in ("full_text", "source_text", "text") if k in row), None)
    if not isinstance(text, str):
        raise SystemExit(f"record {index}: no text (expected a 'full_text', 'source_text' or 'text' key)")
    raw = next((row[k] for k in ("spans", "privacy_mask", "entities") if k in row), None) or []
    if isinstance(raw, str):  # some exports keep the span list as a JSON string
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            import ast

            try:
                raw = ast.literal_eval(raw)
            except (ValueError, SyntaxError):
                raise SystemExit(f"record {index}: its span list is a string that is neither JSON nor a Python list") from None
    spans = []
    for span in raw:
        try:
            start = span["start_position"] if "start_position" in span else span["start"]
            end = span["end_position"] if "end_position" in span else span["end"]
            kind = next(span[k] for k in ("entity_type", "label", "type") if k in span)
        except (KeyError, StopIteration, TypeError):
            raise SystemExit(
                f"record {index}: a span needs entity_type/label and start(_position)/end(_position): {span!r}") from None
        spans.append((int(start), int(end), gold_entity(kind)))
    return text, spans


def cmd_pii(args) -> dict:
    raw = Path(args.data).read_text()
    try:
        rows = json.loads(raw)
    except json.JSONDecodeError:  # JSON Lines: one record per line
        rows = []
        for number, line in enumerate(raw.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{args.data}: line {number} is not JSON ({exc.msg}); expected a JSON list "
                                     "or one JSON record per line") from None
    if isinstance(rows, dict):  # JSON Lines with a single record
        rows = [rows]
    # A fixed split by index: tune recognizers on the even rows, report the odd ones as a check.
    rows = {"all": rows, "even": rows[0::2], "odd": rows[1::2]}[args.rows]
    from guardrails.types import ScanContext

    guard, threshold = pii_guard()
    covered = set(guard.entities) if not args.all_entities else None
    gold, gold_any, found = [], [], []
    started = time.perf_counter()
    for i, row in enumerate(rows):
        text, spans = pii_row(row, i)
        gold_any.append(spans)
        gold.append([s for s in spans if covered is None or s[2] in covered])
        # Every name: this scores finding them, also where the reply policy would not look (PII_LAZY_NAMES).
        found.append([(f.start, f.end, f.category) for f in guard.scan(text, ScanContext(every_name=True)).findings
                      if f.score >= threshold])
        if (i + 1) % 250 == 0:
            progress(f"scanned {i + 1}/{len(rows)}")
    elapsed = time.perf_counter() - started
    result = span_metrics(gold, found, gold_any)
    all_types = span_metrics(gold_any, found)
    result.update({
        "recall_all_types": all_types["recall"],
        "recall_by_entity_all_types": all_types["recall_by_entity"],
        "entities": sorted(covered) if covered else "all",
        "threshold": threshold,
        "model": guard.model_name,
        "n": len(rows),
        "rows": args.rows,
        "ms_per_text": elapsed * 1000 / max(1, len(rows)),
    })
    if args.report:
        write_report(args.report, "pii", result, bars=("Recall by entity type", all_types["recall_by_entity"]))
    return result


# -- report ------------------------------------------------------------------------------------


# -- ordinary traffic: what the configured policy does to whole replies and messages ----------------------

REPLY_FIELDS = ("reply", "text", "content", "output")
PROMPT_FIELDS = ("instruction", "prompt", "user", "input")


def read_records(path: str, text_field: str | None, prompt_field: str | None, label_field: str,
                 where: list[str] = ()) -> list[dict]:
    """Rows of a JSON Lines / JSON / CSV file as {id, text, prompt, label}; label None where the row has none."""
    frame = keep_where(read_table(path), where, path)
    columns = [str(c) for c in frame.columns]
    text_col = text_field or next((c for c in REPLY_FIELDS if c in columns), None)
    if text_col not in columns:
        raise SystemExit(f"{path}: no text column {text_field or ' / '.join(REPLY_FIELDS)}; columns are: {', '.join(columns)}"
                         " (name it with --text-field)")
    prompt_col = prompt_field or next((c for c in PROMPT_FIELDS if c in columns), None)
    if prompt_field and prompt_field not in columns:
        raise SystemExit(f"{path}: no column {prompt_field}; columns are: {', '.join(columns)}")
    rows = []
    for i, row in enumerate(frame.to_dict("records")):
        text = row.get(text_col)
        if not isinstance(text, str) or not text.strip():
            continue
        label = row.get(label_field)
        label = None if label is None or (isinstance(label, float) and np.isnan(label)) else is_positive(label, "1")
        prompt = row.get(prompt_col) if prompt_col else None
        rows.append({"id": row.get("id", i), "text": text, "prompt": prompt if isinstance(prompt, str) else "", "label": label})
    if not rows:
        raise SystemExit(f"{path}: no row with text in column {text_col}")
    return rows


def _snippet(text: str, start: int | None, end: int | None, width: int = 60) -> str:
    if start is None or end is None:
        return " ".join(text[:2 * width].split())
    left, right = max(0, start - width), min(len(text), end + width)
    return ("…" if left else "") + " ".join(f"{text[left:start]}[[{text[start:end]}]]{text[end:right]}".split()) + ("…" if right < len(text) else "")


def holding_findings(policy, verdict) -> list[tuple[str, str, float, int | None, int | None]]:
    """(guard, category, score, start, end) of each finding that made the verdict what it is."""
    from guardrails.types import Action

    out = []
    for result in verdict.results:
        if result.error:
            out.append((result.guard, "error", 1.0, None, None))
            continue
        rule = policy.rules[result.guard]
        for f in result.findings:
            limit, action = rule.for_category(f.category)
            if f.score >= limit and action is verdict.action and action is not Action.ALLOW:
                out.append((result.guard, f.category, f.score, f.start, f.end))
    return out


def summarise(outcomes: list[dict], examples: int) -> dict:
    """Shares by outcome, by guard and by reason (guard:category), with examples of each reason."""
    n = len(outcomes)
    by_guard: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    shown: dict[str, list] = {}
    for o in outcomes:
        if not o["stopped"]:
            continue
        for guard in sorted({g for g, *_ in o["why"]}):
            by_guard[guard] = by_guard.get(guard, 0) + 1
        for reason in sorted({f"{g}:{c}" for g, c, *_ in o["why"]}):
            by_reason[reason] = by_reason.get(reason, 0) + 1
            if len(shown.setdefault(reason, [])) < examples:
                g, c, score, start, end = next(w for w in o["why"] if f"{w[0]}:{w[1]}" == reason)
                shown[reason].append({"id": o["id"], "score": round(score, 3), "text": _snippet(o["text"], start, end)})
    order = sorted(by_reason, key=lambda r: -by_reason[r])
    return {
        "by_guard": {g: {"n": k, "share": k / n} for g, k in sorted(by_guard.items(), key=lambda x: -x[1])},
        "by_reason": {r: {"n": by_reason[r], "share": by_reason[r] / n, "examples": shown[r]} for r in order},
    }


def labelled_figures(outcomes: list[dict]) -> dict | None:
    """Recall and precision of stopping, over the rows that carry a label."""
    labelled = [o for o in outcomes if o["label"] is not None]
    if not labelled:
        return None
    labels = np.array([o["label"] for o in labelled], dtype=bool)
    stopped = np.array([o["stopped"] for o in labelled], dtype=float)
    result = binary_metrics(labels, stopped, 0.5)
    result.pop("threshold", None)
    result.pop("auc", None)  # a yes/no decision has no ranking to score
    return result


def cmd_replies(args) -> dict:
    """The share of replies the output policy, as configured, would hold (and redact), by guard and reason."""
    from guardrails.types import Action, ScanContext
    from wiring.build import build_output_policy

    rows = read_records(args.data, args.text_field, args.prompt_field, args.label_field, args.where)
    if args.limit:
        rows = rows[: args.limit]
    policy = build_output_policy(_settings())
    outcomes, started = [], time.perf_counter()
    for i, row in enumerate(rows):
        verdict = policy.check(row["text"], ScanContext(prompt=row["prompt"]))
        outcomes.append({**row, "stopped": verdict.action is Action.HOLD, "redacted": verdict.action is Action.REDACT,
                         "why": holding_findings(policy, verdict) if verdict.action is not Action.ALLOW else []})
        if (i + 1) % 100 == 0:
            progress(f"checked {i + 1}/{len(rows)}")
    held = sum(o["stopped"] for o in outcomes)
    result = {
        "n": len(outcomes), "held": held, "held_share": held / len(outcomes),
        "redacted": sum(o["redacted"] for o in outcomes),
        "redacted_share": sum(o["redacted"] for o in outcomes) / len(outcomes),
        "ms_per_reply": 1000 * (time.perf_counter() - started) / len(outcomes),
        "guards": {g.name: g.model_name for g in policy.guards},
        **summarise([{**o, "stopped": o["stopped"] or o["redacted"]} for o in outcomes], args.examples),
    }
    # A guard that failed or timed out holds its reply (fail closed); that is the product working, but as a
    # figure it measures the machine, not the model, so it is counted apart and said plainly.
    errors = {}
    for o in outcomes:
        for guard, category, *_ in o["why"]:
            if category == "error":
                errors[guard] = errors.get(guard, 0) + 1
    if errors:
        result["guard_errors"] = errors
        progress(f"warning: {sum(errors.values())} replies were held because a guard failed or timed out "
                 f"({', '.join(f'{g} {n}' for g, n in sorted(errors.items()))}; the reason '<guard>:error'), not for "
                 "what they say: on a busy machine raise GUARD_TIMEOUT_S or rerun when it is quieter")
    if (labelled := labelled_figures(outcomes)) is not None:
        result["holding"] = labelled
    if args.report:
        write_report(args.report, "replies", result)
    return result


def cmd_prompts(args) -> dict:
    """The share of messages the input checks, as configured, would refuse, by guard, with examples; and the
    messages the input mask would rewrite (personal data replaced by placeholders), by entity type."""
    from guardrails.vault import Vault
    from wiring.build import build_input_checks

    rows = read_records(args.data, args.text_col, None, args.label_col, args.where)
    if args.limit:
        rows = rows[: args.limit]
    checks = build_input_checks(_settings())
    outcomes, rewritten, kinds = [], [], Counter()
    for i, row in enumerate(rows):
        verdict = checks.check(row["text"], Vault())
        why = [(verdict.refused_by, "refused", verdict.scores.get(verdict.refused_by, 1.0), None, None)] if verdict.refusal else []
        outcomes.append({**row, "stopped": verdict.refusal is not None, "why": why, "scores": verdict.scores})
        if verdict.masked:  # not refused, but the model answers a message the person did not write
            rewritten.append({"text": row["text"][:300], "model_gets": verdict.text[:300]})
            kinds.update(verdict.masked)
        if (i + 1) % 500 == 0:
            progress(f"checked {i + 1}/{len(rows)}")
    refused = sum(o["stopped"] for o in outcomes)
    result = {"n": len(outcomes), "refused": refused, "refused_share": refused / len(outcomes),
              "thresholds": {n: r.threshold for n, r in checks.screen.rules.items()},
              **summarise(outcomes, args.examples),
              # The input mask's side (INPUT_PII, INPUT_PII_NAMES): messages with something replaced by placeholders.
              "rewritten": len(rewritten), "rewritten_share": len(rewritten) / len(outcomes),
              "rewritten_by_type": dict(kinds.most_common()), "rewritten_examples": rewritten[: args.examples]}
    if (labelled := labelled_figures(outcomes)) is not None:
        result["refusing"] = labelled
    if args.report:
        write_report(args.report, "prompts", result)
    return result


def set_inside(reply: str, sentence: str, where: str, rng) -> str:
    """`sentence` put at the end of `reply`, or after the sentence end nearest its middle."""
    from guardrails.toxicity import sentence_ends

    if where == "middle" and (ends := [e for e in sentence_ends(reply) if e < len(reply.rstrip())]):
        cut = min(ends, key=lambda e: abs(e - len(reply) / 2))
        return reply[:cut] + sentence + " " + reply[cut:]
    return reply.rstrip() + rng.choice(["\n\n", " "]) + sentence


def cmd_diluted(args) -> dict:
    """Short labelled rows set inside ordinary replies: is an abusive one still held when calm text surrounds it?

    The toxicity guard scores a long reply in pieces of about 400 characters, and its net pools every token of a
    piece, so one abusive sentence among calm ones can be outvoted. Each case takes a reply of --replies (over
    --min-reply-chars) and a short row of --data (--min-chars to --max-chars) and sets the row at the reply's end or
    after its middle sentence end, alternately. Reported: abusive rows held on their own, and of those the share
    still held inside a reply; harmless rows likewise, and the replies held as they are, as the other side.
    """
    import random

    replies = [r["text"] for r in read_records(args.replies, args.text_field, None, "hold")
               if len(r["text"]) >= args.min_reply_chars]
    if not replies:
        raise SystemExit(f"{args.replies}: no reply of {args.min_reply_chars} characters or more")
    short: dict[bool, list[str]] = {True: [], False: []}
    for path in args.data:
        _, texts, labels = read_labelled_csv(path, args.text_col, args.label_col, args.positive, where=args.where)
        for text, label in zip(texts, labels):
            if args.min_chars <= len(text.strip()) <= args.max_chars:
                short[bool(label)].append(text.strip())
    if not short[True]:
        raise SystemExit(f"no abusive row of {args.min_chars}-{args.max_chars} characters in {', '.join(args.data)}")
    rng = random.Random(args.seed)
    cases = []
    for i in range(args.n):
        where = "end" if i % 2 == 0 else "middle"
        cases.append({"reply": rng.choice(replies), "abusive": rng.choice(short[True]), "where": where,
                      "harmless": rng.choice(short[False]) if short[False] else None})
    guard, threshold = toxicity_guard()
    held = lambda texts: score_all(guard, texts) >= threshold  # noqa: E731
    alone = held([c["abusive"] for c in cases])
    inside = held([set_inside(c["reply"], c["abusive"], c["where"], rng) for c in cases])
    plain = held([c["reply"] for c in cases])
    kept = [i for i in range(len(cases)) if alone[i]]
    result = {
        "n": len(cases), "model": guard.model_name, "threshold": threshold,
        "abusive_held_alone": int(alone.sum()),
        "abusive_held_inside": int(inside[kept].sum()),
        "held_inside_share": float(inside[kept].mean()) if kept else None,
        "held_inside_share_by_place": {w: float(np.mean([inside[i] for i in kept if cases[i]["where"] == w]))
                                       for w in ("end", "middle") if any(cases[i]["where"] == w for i in kept)},
        "replies_held_as_they_are": int(plain.sum()),
        "missed_inside": [{"sentence": cases[i]["abusive"], "where": cases[i]["where"]}
                          for i in kept if not inside[i]][: args.examples],
    }
    if short[False]:
        result["harmless_held_alone"] = int(held([c["harmless"] for c in cases]).sum())
        result["replies_held_with_a_harmless_row_inside"] = int(held(
            [set_inside(c["reply"], c["harmless"], c["where"], rng) for c in cases]).sum())
    if args.report:
        write_report(args.report, "diluted", result)
    return result


def write_report(folder: str, name: str, result: dict, roc=None, bars=None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"# {name} evaluation", "", f"Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
             "| metric | value |", "|---|---|"]
    for key, value in result.items():
        if not isinstance(value, (dict, list)):
            lines.append(f"| {key} | {value:.4f} |" if isinstance(value, float) else f"| {key} | {value} |")
    for key, value in result.items():
        if isinstance(value, list) and value:  # examples, e.g. the abusive rows missed inside a reply
            lines += ["", f"**{key}**", ""]
            lines += ["- " + (", ".join(f"{k}: {v}" for k, v in item.items()) if isinstance(item, dict) else str(item)).replace("\n", " ")
                      for item in value]
    for key, value in result.items():
        if key in ("by_reason", "by_guard"):
            lines += ["", f"**{key}**", "", "| | n | share |", "|---|---|---|"]
            lines += [f"| {k} | {v['n']} | {v['share']:.4f} |" for k, v in value.items()]
            for reason, v in value.items():
                if v.get("examples"):
                    lines += ["", f"Examples, {reason}:", ""]
                    lines += [f"- `{e['id']}` ({e['score']}): {e['text']}".replace("|", "\\|") for e in v["examples"]]
        elif isinstance(value, dict) and key != "confusion":
            lines += ["", f"**{key}**", "", "| | |", "|---|---|"]
            lines += [f"| {k} | {v:.4f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in value.items()]
    if roc is not None and "auc" in result:  # a file of one class has no ROC curve
        labels, scores = roc
        thresholds = np.unique(np.concatenate([[np.inf], np.sort(scores)[::-1]]))[::-1]
        tpr = [((scores >= t) & labels).sum() / max(1, labels.sum()) for t in thresholds]
        fpr = [((scores >= t) & ~labels).sum() / max(1, (~labels).sum()) for t in thresholds]
        fig, ax = plt.subplots(figsize=(5, 5))
        ax.plot(fpr, tpr, label=f"AUC {result.get('auc') or 0:.3f}")
        ax.plot([0, 1], [0, 1], "--", color="grey")
        ax.set(xlabel="false-positive rate", ylabel="true-positive rate", title=f"{name}: ROC")
        ax.legend(loc="lower right")
        fig.savefig(out / f"{name}_roc.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        lines += ["", f"![ROC]({name}_roc.png)"]
    if bars is not None:
        title, values = bars
        fig, ax = plt.subplots(figsize=(7, max(2.5, 0.3 * len(values))))
        ax.barh(list(values), list(values.values()))
        ax.set(title=title, xlim=(0, 1))
        fig.savefig(out / f"{name}_bars.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        lines += ["", f"![{title}]({name}_bars.png)"]
    (out / "report.md").write_text("\n".join(lines) + "\n")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m guardrails.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("toxicity", "fairness", "injection"):
        c = sub.add_parser(name)
        c.add_argument("--data", required=True)
        c.add_argument("--text-col", default="text")
        c.add_argument("--label-col", default="label")
        c.add_argument("--positive", default="1",
                       help="label value that means toxic / injection (default 1), or a comparison such as '>=0.5'")
        c.add_argument("--threshold", type=float, help="override the configured threshold")
        c.add_argument("--where", action="append", metavar="COL=VALUE", help="keep only rows where COL equals VALUE (repeatable), e.g. split=test")
        c.add_argument("--report", metavar="DIR")
        if name != "fairness":
            c.add_argument("--by", metavar="COL", help="also report accuracy per value of COL (e.g. a test suite's functionality)")
        if name == "fairness":
            c.add_argument("--group-col")
            c.add_argument("--groups-from-terms", action="store_true", help="group = first identity term in the text")
    c = sub.add_parser("replies", help="the share of replies the output policy (as configured) holds, by guard and reason")
    c.add_argument("--data", required=True, help="JSON Lines (or JSON / CSV) of replies, one per row")
    c.add_argument("--text-field", help=f"the reply's field (default: the first of {', '.join(REPLY_FIELDS)})")
    c.add_argument("--prompt-field", help=f"the person's message it answers (default: the first of {', '.join(PROMPT_FIELDS)}, if any)")
    c.add_argument("--label-field", default="hold", help="true/false: should this reply be held? (optional; gives recall and precision)")
    c.add_argument("--examples", type=int, default=5, help="examples per reason (default 5)")
    c.add_argument("--limit", type=int, help="only the first N rows")
    c.add_argument("--where", action="append", metavar="COL=VALUE", help="keep only rows where COL equals VALUE (repeatable)")
    c.add_argument("--report", metavar="DIR")
    c = sub.add_parser("prompts", help="the share of messages the input checks (as configured) refuse, by guard, and those the input mask rewrote")
    c.add_argument("--data", required=True, help="CSV (or JSON Lines) of messages")
    c.add_argument("--text-col", default="text")
    c.add_argument("--label-col", default="label", help="1 = should be refused (optional; an all-0 file gives the false-refusal share)")
    c.add_argument("--examples", type=int, default=5, help="examples per guard (default 5)")
    c.add_argument("--limit", type=int, help="only the first N rows")
    c.add_argument("--where", action="append", metavar="COL=VALUE", help="keep only rows where COL equals VALUE, e.g. split=test")
    c.add_argument("--report", metavar="DIR")
    c = sub.add_parser("diluted", help="short abusive rows set inside ordinary replies: the share the toxicity guard still holds")
    c.add_argument("--replies", required=True, help="JSON Lines (or JSON / CSV) of ordinary replies, as for `replies`")
    c.add_argument("--text-field", help=f"the reply's field (default: the first of {', '.join(REPLY_FIELDS)})")
    c.add_argument("--data", required=True, action="append", help="labelled CSV of short texts (repeatable; same columns)")
    c.add_argument("--text-col", default="text")
    c.add_argument("--label-col", default="label")
    c.add_argument("--positive", default="1", help="label value that means abusive (default 1)")
    c.add_argument("--where", action="append", metavar="COL=VALUE", help="keep only rows where COL equals VALUE, e.g. split=test")
    c.add_argument("--n", type=int, default=400, help="cases (default 400)")
    c.add_argument("--seed", type=int, default=7)
    c.add_argument("--min-reply-chars", type=int, default=300, help="replies shorter than this are not used (default 300)")
    c.add_argument("--min-chars", type=int, default=15)
    c.add_argument("--max-chars", type=int, default=120, help="only rows this short: one sentence or so (default 120)")
    c.add_argument("--examples", type=int, default=10, help="abusive rows missed inside a reply to show (default 10)")
    c.add_argument("--report", metavar="DIR")
    c = sub.add_parser("pii")
    c.add_argument("--data", required=True, help="presidio-research JSON: [{full_text, spans: [...]}]")
    c.add_argument("--all-entities", action="store_true", help="score recall over every gold type, not only those the guard covers")
    c.add_argument("--rows", choices=["all", "even", "odd"], default="all",
                   help="all rows, or only the even/odd-numbered ones (a fixed study/check split)")
    c.add_argument("--report", metavar="DIR")
    return p


def main(argv: list[str] | None = None) -> int:
    import logging

    logging.basicConfig(level=logging.ERROR)
    args = parser().parse_args(argv)
    for path in [*(args.data if isinstance(args.data, list) else [args.data]), *([args.replies] if args.command == "diluted" else [])]:
        if not Path(path).is_file():
            raise SystemExit(f"{path}: no such file")
    command = {"toxicity": cmd_toxicity, "fairness": cmd_fairness, "pii": cmd_pii, "injection": cmd_injection,
               "replies": cmd_replies, "prompts": cmd_prompts, "diluted": cmd_diluted}[args.command]
    # Libraries print to stdout while loading (torch.hub announces its download attempt); stdout is
    # reserved for the one JSON object, so everything else goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        result = command(args)
    print(json.dumps(result, indent=2, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
