"""Export decisions and the audit log as CSV or JSON Lines. Every export is itself audited.

    python -m review.export decisions --format csv -o decisions.csv
    python -m review.export audit --format jsonl -o audit.jsonl

Decisions carry the reply with every personal-data span the PII guard reported replaced by
[ENTITY_TYPE]; the person's message is not exported.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from review import audit
from review.tables import Decision, ReviewItem

KINDS = ("decisions", "audit")
FORMATS = ("csv", "jsonl")
DECISION_FIELDS = ["item_id", "guards", "categories", "top_score", "outcome", "reason_code", "note", "moderator",
                   "decided_at", "edited", "reply_redacted"]
AUDIT_FIELDS = ["id", "at", "actor", "action", "item_id", "detail"]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int


def _fired(item: ReviewItem) -> list[dict]:
    names = set(filter(None, (item.guards or "").split(",")))
    return [r for r in item.results if r.get("guard") in names]


def _categories(item: ReviewItem) -> list[str]:
    cats = set()
    for r in _fired(item):
        limit = r.get("threshold")
        cats.update(c for c, score in r.get("scores", {}).items() if limit is None or score >= limit)
        if r.get("error"):
            cats.add(f"{r['guard']}:error")
    return sorted(cats)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def decision_rows(engine: Engine) -> Iterator[dict]:
    with Session(engine) as s:
        rows = s.exec(select(Decision, ReviewItem).join(ReviewItem, ReviewItem.id == Decision.item_id)
                      .order_by(Decision.decided_at, Decision.id))
        for decision, item in rows:
            yield {
                "item_id": item.id,
                "guards": item.guards,
                "categories": ",".join(_categories(item)),
                "top_score": item.top_score,
                "outcome": decision.outcome,
                "reason_code": decision.reason_code,
                "note": decision.note,
                "moderator": decision.moderator,
                "decided_at": _iso(decision.decided_at),
                "reply_redacted": item.reply,  # stored redacted (review/queue.py hold); the original stays sealed
                "edited": decision.edited_reply is not None,
            }


def audit_rows(engine: Engine, **filters) -> Iterator[dict]:
    for e in audit.browse(engine, limit=None, newest_first=False, **filters):
        yield {"id": e.id, "at": _iso(e.at), "actor": e.actor, "action": e.action, "item_id": e.item_id, "detail": e.detail}


def write_rows(rows: Iterable[dict], fields: list[str], fmt: str, path: Path) -> int:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        if fmt == "csv":
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            for row in rows:
                w.writerow({k: json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v for k, v in row.items()})
                n += 1
        else:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n")
                n += 1
    return n


def export(engine: Engine, kind: str, fmt: str, path: str | Path, actor: str, **filters) -> ExportResult:
    """Write `kind` (decisions | audit) to `path` and record an `exported` audit event."""
    if kind not in KINDS:
        raise ValueError(f"export kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    path = Path(path)
    if kind == "decisions":
        if filters:
            raise ValueError("decisions cannot be filtered")
        n = write_rows(decision_rows(engine), DECISION_FIELDS, fmt, path)
    else:
        n = write_rows(audit_rows(engine, **filters), AUDIT_FIELDS, fmt, path)
    try:
        audit.record_now(engine, actor, "exported", kind=kind, format=fmt, rows=n, file=path.name,
                         filters={k: str(v) for k, v in filters.items()})
    except Exception:
        path.unlink(missing_ok=True)  # no export without its audit entry
        raise
    return ExportResult(path, n)


def export_bytes(engine: Engine, kind: str, fmt: str, actor: str, **filters) -> tuple[str, bytes, int]:
    """For the UI: (file name, content, rows). Written in a private temporary folder that is removed
    before this returns, so no copy stays on disk; the caller hands the bytes to the one admin who asked."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"{kind}-{stamp}.{fmt}"
    with tempfile.TemporaryDirectory(prefix="guarded-chat-export-") as folder:
        result = export(engine, kind, fmt, Path(folder) / name, actor, **filters)
        return name, result.path.read_bytes(), result.rows


def main(argv: list[str] | None = None) -> int:
    from review.users import cli_actor
    from wiring.build import open_database
    from wiring.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m review.export", description="Export decisions or the audit log (uses DATABASE_URL).")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("-o", "--output", required=True, help="file to write")
    args = parser.parse_args(argv)
    try:
        engine = open_database(Settings.from_env())
        result = export(engine, args.kind, args.format, args.output, cli_actor())
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {result.rows} {args.kind} rows to {result.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
