"""The Review tab: the moderators' console. A thin layer over review.queue, review.auth and review.audit.

Every handler starts with `require(token, role)`, which checks the session on the server, so the
same rules hold when a handler is called through the Gradio API instead of the page.
"""

from __future__ import annotations

import html
import logging
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import gradio as gr

from review import audit
from review.auth import NotAuthorized
from review.export import export_file
from review.queue import SORTS, AlreadyDecided, Claimed, ItemFilter, ReviewQueue
from review.redaction import highlight_placeholders
from review.retry import StorageError
from review.tables import ReviewItem

log = logging.getLogger(__name__)

NO_MODERATORS = """### Review is not configured
No moderator accounts are set, so nobody can sign in (there is no default password).
Create one with `python -m review.users add NAME --role admin`, or set the `MODERATORS` environment
variable to `name:password` pairs separated by commas, e.g. `MODERATORS='alice:a-long-secret'`, then
restart the app. On Hugging Face Spaces, add it as a secret.
"""
STATUSES = ["pending", "approved", "rejected", "any"]
GUARDS = ["any", "toxicity", "pii", "error", "user_report"]
PAGE_SIZES = [25, 50, 100]

Explainer = Callable[[str], tuple[float, list[tuple[str, float | None]]]]


def review_tab(queue: ReviewQueue, auth, info, explain: Explainer | None = None) -> None:
    """`explain(text)` gives word attributions for the toxicity score (guardrails.explain)."""
    token = gr.State(None)
    if not auth.configured:
        gr.Markdown(NO_MODERATORS, elem_id="no-moderators")
        return

    with gr.Column(visible=True) as login_box:
        user = gr.Textbox(label="Moderator name", elem_id="mod-user")
        password = gr.Textbox(label="Password", type="password", elem_id="mod-password")
        login = gr.Button("Sign in", variant="primary", elem_id="mod-login")
    login_status = gr.Markdown("")
    with gr.Column(visible=False) as console:
        with gr.Row():
            counts = gr.Markdown("", elem_id="queue-counts")
            logout = gr.Button("Sign out", scale=0)
        with gr.Tab("Queue"):
            with gr.Row():
                f_status = gr.Dropdown(STATUSES, value="pending", label="Status", elem_id="f-status")
                f_guard = gr.Dropdown(GUARDS, value="any", label="Guard", elem_id="f-guard")
                f_category = gr.Textbox(label="Category contains", placeholder="e.g. PERSON, toxicity", elem_id="f-category")
                f_text = gr.Textbox(label="Search text", placeholder="words in the message or reply", elem_id="f-text")
            with gr.Row():
                f_since = gr.Textbox(label="Held from (YYYY-MM-DD)", elem_id="f-since")
                f_until = gr.Textbox(label="Held until (YYYY-MM-DD, inclusive)", elem_id="f-until")
                f_min = gr.Number(label="Score at least", value=0, minimum=0, maximum=1, elem_id="f-min")
                f_max = gr.Number(label="Score at most", value=1, minimum=0, maximum=1, elem_id="f-max")
            with gr.Row():
                f_sort = gr.Dropdown(list(SORTS), value="oldest", label="Sort", elem_id="f-sort")
                f_size = gr.Dropdown(PAGE_SIZES, value=50, label="Per page")
                f_page = gr.Number(label="Page", value=1, precision=0, minimum=1, elem_id="f-page")
                apply = gr.Button("Apply filters", variant="primary", elem_id="f-apply")
            page_info = gr.Markdown(elem_id="page-info")
            table = gr.Dataframe(
                headers=["item", "held at (UTC)", "status", "guard", "categories", "score", "claimed by", "reply (redacted, start)"],
                interactive=False, wrap=True, label="Items",
            )
            with gr.Accordion("Bulk decision on this page", open=False):
                bulk_pick = gr.CheckboxGroup(label="Items to decide", choices=[], elem_id="bulk-pick")
                with gr.Row():
                    bulk_reason = gr.Dropdown(info.reason_codes, value=info.reason_codes[0] if info.reason_codes else None,
                                              label="Reason code", allow_custom_value=False)
                    bulk_approve = gr.Button("Approve selected", elem_id="bulk-approve")
                    bulk_reject = gr.Button("Reject selected", variant="stop", elem_id="bulk-reject")
                bulk_status = gr.Markdown(elem_id="bulk-status")

            pick = gr.Dropdown(label="Item to review", choices=[], allow_custom_value=True, elem_id="item-pick")
            with gr.Row():
                claim = gr.Button("Claim", elem_id="claim")
                unclaim = gr.Button("Release claim", elem_id="unclaim")
                claim_status = gr.Markdown(elem_id="claim-status")
            user_msg = gr.Textbox(label="What the person wrote", interactive=False, lines=2)
            reply = gr.HighlightedText(label="Held reply (personal data replaced and highlighted)", combine_adjacent=True,
                                       show_legend=True, elem_id="held-reply")
            words = gr.HighlightedText(label="Words that drove the toxicity score (red raised it, blue lowered it)",
                                       elem_id="attributions", visible=False)
            why = gr.Markdown(elem_id="item-why")
            with gr.Accordion("Original reply (unredacted; revealing it is recorded in the audit log)", open=False):
                reveal_why = gr.Textbox(label="Why you need the original", elem_id="reveal-why")
                reveal = gr.Button("Reveal original", elem_id="reveal")
                original = gr.Textbox(label="Original reply", interactive=False, visible=False, elem_id="original")
            edited = gr.Textbox(label="Edit before approving (released instead of the original)", lines=4, elem_id="edited-reply")
            with gr.Row():
                reason = gr.Dropdown(info.reason_codes, value=info.reason_codes[0] if info.reason_codes else None,
                                     label="Reason code", elem_id="reason-code")
                note = gr.Textbox(label="Note (optional, stored with the decision)", elem_id="decision-note", scale=3)
            with gr.Row():
                approve = gr.Button("Approve: show it to the person", variant="primary", elem_id="approve")
                approve_edit = gr.Button("Approve edited version", elem_id="approve-edited")
                reject = gr.Button("Reject: send a polite refusal", variant="stop", elem_id="reject")
            decided = gr.Markdown(elem_id="decision-status")
        with gr.Tab("Dashboard"):
            dash_refresh = gr.Button("Refresh dashboard", elem_id="dash-refresh")
            dash_counts = gr.Markdown(elem_id="dash-counts")
            with gr.Row():
                plot_flags = gr.Plot(label="Flags per day by guard")
                plot_outcomes = gr.Plot(label="Decisions by outcome")
            with gr.Row():
                plot_latency = gr.Plot(label="Time to decision")
                plot_share = gr.Plot(label="Share of held replies approved, per guard")
        with gr.Tab("Audit log"):
            admin_note = gr.Markdown("Only admins can read the audit log and export.", elem_id="admin-note")
            with gr.Column(visible=False) as admin_box:
                with gr.Row():
                    a_actor = gr.Textbox(label="Actor")
                    a_action = gr.Textbox(label="Action", placeholder="e.g. decided, login_failure")
                    a_item = gr.Number(label="Item", precision=0, elem_id="audit-item")
                    a_show = gr.Button("Show", elem_id="audit-show")
                audit_table = gr.Dataframe(headers=["at (UTC)", "actor", "action", "item", "detail"], interactive=False,
                                           wrap=True, elem_id="audit-table")
                with gr.Row():
                    export_what = gr.Dropdown(["decisions", "audit"], value="decisions", label="Export")
                    export_fmt = gr.Dropdown(["csv", "jsonl"], value="csv", label="Format")
                    export_btn = gr.Button("Export", elem_id="export")
                export_out = gr.File(label="Download", elem_id="export-file")

    # -- handlers ---------------------------------------------------------------

    def require(tok, role="moderator"):
        try:
            return auth.require(tok, role)
        except NotAuthorized as exc:
            raise gr.Error(str(exc), title="Not allowed") from None

    def filters(status, guard, category, text, since, until, lo, hi) -> ItemFilter:
        return ItemFilter(
            status=None if status in (None, "any") else status,
            guard=None if guard in (None, "any") else guard,
            category=_plain(category).strip()[:100] or None,
            text=_plain(text).strip()[:200] or None,
            since=_day(since, "Held from"),
            until=(_day(until, "Held until") + timedelta(days=1)) if (until or "").strip() else None,
            min_score=None if lo in (None, 0) else float(lo),
            max_score=None if hi in (None, 1) else float(hi),
        )

    def listing(where: ItemFilter, sort, page, size, selected=None):
        result = queue.search(where, sort or "oldest", int(page or 1), int(size or 50))
        rows = [[i.id, _when(i.created_at), i.status, i.guards, i.categories, f"{i.top_score:.2f}",
                 i.claimed_by or "", i.reply[:100]] for i in result.items]
        choices = [(f"#{i.id} · {i.guards} · {i.reply[:40]}", str(i.id)) for i in result.items]
        keep = selected if selected in {c[1] for c in choices} else (choices[0][1] if choices else None)
        info_line = f"Page {result.page} of {result.pages} · {result.total} matching item(s)"
        return info_line, rows, gr.update(choices=choices, value=keep), gr.update(choices=choices, value=[])

    def header(principal):
        d = queue.dashboard(days=1)
        age = ""
        if d.oldest_pending:
            age = f", oldest waiting {_age(d.oldest_pending)}"
        return f"Signed in as **{html.escape(principal.name)}** ({principal.role}). **{d.pending} pending**{age}."

    filter_inputs = [f_status, f_guard, f_category, f_text, f_since, f_until, f_min, f_max]
    list_outputs = [page_info, table, pick, bulk_pick]

    def do_login(name, pw, request: gr.Request):
        ip = request.client.host if request and request.client else None
        result = auth.attempt(name, pw, ip=ip)
        tok = result.token
        if tok is None:
            log.warning("moderator sign-in failed")  # the name is in the audit log, not the app log
            return (None, f"**Sign-in failed:** {result.message}",
                    gr.update(), gr.update(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), "",
                    gr.skip(), gr.skip())
        principal = auth.require(tok, "moderator")
        is_admin = principal.role == "admin"
        return (tok, f"Signed in as {html.escape(principal.name)}.", gr.update(visible=False), gr.update(visible=True),
                header(principal), *listing(ItemFilter(), "oldest", 1, 50), "",
                gr.update(visible=is_admin), "Admin tools:" if is_admin else "Only admins can read the audit log and export.")

    def do_logout(tok):
        auth.logout(tok)
        return None, "Signed out.", gr.update(visible=True), gr.update(visible=False), gr.update(visible=False)

    def refresh(tok, status, guard, category, text, since, until, min_score, max_score, sort, page, page_size, selected=None):
        principal = require(tok)
        where = filters(status, guard, category, text, since, until, min_score, max_score)
        return (header(principal), *listing(where, sort, page, page_size, selected))

    def show(tok, item_id):
        principal = require(tok)
        item = queue.view(_as_id(item_id), principal.name) if item_id else None
        if item is None:
            return "", [], gr.update(value=[], visible=False), "Nothing selected.", "", _claim_line(None), "", gr.update(value="", visible=False)
        attributions, extra = gr.update(value=[], visible=False), ""
        if explain is not None and any(r["guard"] == "toxicity" for r in item.results):
            try:
                score, parts = explain(item.reply)
                attributions = gr.update(value=[(p, w) for p, w in parts], visible=True)
                top = sorted(((p, w) for p, w in parts if w is not None and w > 0), key=lambda pw: -pw[1])[:5]
                if top:
                    extra = "\n\n**Words that raised the toxicity score most:** " + ", ".join(
                        f"`{html.escape(p)}` (+{w:.2f})" for p, w in top)
            except Exception:
                log.exception("explaining item %s failed", item.id)
                extra = "\n\n_Word attributions are unavailable for this item (the explainer failed)._"
        return (item.user_message, highlight_placeholders(item.reply), attributions, explain_item(item) + extra, "",
                _claim_line(item), item.reply, gr.update(value="", visible=False))

    def do_claim(tok, item_id):
        principal = require(tok)
        item_id = _pick(item_id)
        try:
            until = queue.claim(item_id, principal.name)
        except (Claimed, AlreadyDecided) as exc:
            return f"Not claimed: {exc}."
        return f"You hold item #{item_id} until {until:%H:%M} UTC; others cannot decide it meanwhile."

    def do_unclaim(tok, item_id):
        principal = require(tok)
        item_id = _pick(item_id)
        return "Claim released." if queue.release_claim(item_id, principal.name) else "You did not hold a claim on this item."

    def do_reveal(tok, item_id, why_text):
        principal = require(tok)
        item_id = _pick(item_id)
        if not (why_text or "").strip():
            raise gr.Error("Say why you need the original; it is stored in the audit log.")
        try:
            text = queue.reveal(item_id, principal.name, _plain(why_text).strip())
        except (KeyError, LookupError) as exc:
            raise gr.Error(str(exc).strip("'")) from None
        return gr.update(value=text, visible=True)

    def decide(tok, item_id, reason_code, note_text, approve_it, edited_text=None):
        principal = require(tok)
        item_id = _pick(item_id)
        try:
            queue.decide(item_id, principal.name, approve_it, _plain(note_text)[:2000], reason_code or "",
                         edited_reply=None if edited_text is None else _plain(edited_text))
        except (AlreadyDecided, Claimed, ValueError) as exc:
            return f"Not recorded: {exc}.", gr.skip()
        except StorageError as exc:
            return f"Not recorded; the item is still pending. {exc}", gr.skip()
        verb = "approved" if approve_it else "rejected"
        what = ("the edited version was released to the person" if edited_text is not None else
                "released to the person" if approve_it else "the person sees a polite refusal")
        log.info("moderator %s %s item %s", principal.name, verb, item_id)
        return f"Item #{item_id} {verb}: {what}.", ""

    def approve_item(tok, item_id, reason_code, note_text):
        return decide(tok, item_id, reason_code, note_text, True)

    def approve_edited(tok, item_id, reason_code, note_text, edited_text):
        return decide(tok, item_id, reason_code, note_text, True, edited_text or "")

    def reject_item(tok, item_id, reason_code, note_text):
        return decide(tok, item_id, reason_code, note_text, False)

    def bulk(tok, item_ids, reason_code, approve_it):
        principal = require(tok)
        if not item_ids:
            raise gr.Error("Tick the items to decide first.")
        done, skipped = queue.decide_many([_as_id(i) for i in item_ids], principal.name, approve_it, "bulk decision",
                                          reason_code or "")
        message = f"{'Approved' if approve_it else 'Rejected'} {len(done)} item(s)."
        if skipped:
            message += " Skipped: " + "; ".join(f"#{i}: {why}" for i, why in skipped.items())
        return message

    def bulk_approve_items(tok, item_ids, reason_code):
        return bulk(tok, item_ids, reason_code, True)

    def bulk_reject_items(tok, item_ids, reason_code):
        return bulk(tok, item_ids, reason_code, False)

    def dashboard(tok):
        require(tok)
        d = queue.dashboard(days=30)
        return (_dashboard_counts(d), *_dashboard_plots(d))

    def audit_view(tok, actor, action, item):
        require(tok, "admin")
        rows = audit.browse(queue.engine, actor=(actor or "").strip() or None, action=(action or "").strip() or None,
                            item_id=int(item) if item else None, limit=500)
        return [[_when(e.at), e.actor, e.action, e.item_id or "", html.escape(str(e.detail or ""))[:300]] for e in rows]

    def export(tok, what, fmt):
        principal = require(tok, "admin")
        if what not in ("decisions", "audit") or fmt not in ("csv", "jsonl"):
            raise gr.Error("Export decisions or audit, as csv or jsonl.")
        return str(export_file(queue.engine, what, fmt, principal.name))

    view_inputs = [*filter_inputs, f_sort, f_page, f_size, pick]
    refresh_outputs = [counts, *list_outputs]
    item_outputs = [user_msg, reply, words, why, decided, claim_status, edited, original]
    login_outputs = [token, login_status, login_box, console, counts, *list_outputs, password, admin_box, admin_note]
    login.click(do_login, [user, password], login_outputs, api_name="login")
    password.submit(do_login, [user, password], login_outputs, api_name=False)
    logout.click(do_logout, [token], [token, login_status, login_box, console, admin_box], api_name="logout")
    apply.click(refresh, [token, *view_inputs], refresh_outputs, api_name="queue")
    pick.change(show, [token, pick], item_outputs, api_name="item")
    claim.click(do_claim, [token, pick], [claim_status], api_name="claim")
    unclaim.click(do_unclaim, [token, pick], [claim_status], api_name="release_claim")
    reveal.click(do_reveal, [token, pick, reveal_why], [original], api_name="reveal")
    # Each decision endpoint takes just the item and the decision; the listing refreshes afterwards.
    relist = dict(fn=refresh, inputs=[token, *view_inputs], outputs=refresh_outputs, api_name=False)
    approve.click(approve_item, [token, pick, reason, note], [decided, note], api_name="approve").success(**relist)
    approve_edit.click(approve_edited, [token, pick, reason, note, edited], [decided, note],
                       api_name="approve_edited").success(**relist)
    reject.click(reject_item, [token, pick, reason, note], [decided, note], api_name="reject").success(**relist)
    bulk_approve.click(bulk_approve_items, [token, bulk_pick, bulk_reason], [bulk_status], api_name="bulk_approve").success(**relist)
    bulk_reject.click(bulk_reject_items, [token, bulk_pick, bulk_reason], [bulk_status], api_name="bulk_reject").success(**relist)
    dash_refresh.click(dashboard, [token], [dash_counts, plot_flags, plot_outcomes, plot_latency, plot_share], api_name="dashboard")
    a_show.click(audit_view, [token, a_actor, a_action, a_item], [audit_table], api_name="audit_log")
    export_btn.click(export, [token, export_what, export_fmt], [export_out], api_name="export")


# -- plain helpers (tested without a browser) ------------------------------------------


def explain_item(item: ReviewItem) -> str:
    lines = ["**Why it was held**"] + [f"- {html.escape(r)}" for r in item.reasons]
    lines += ["", "| guard | model | category | score | threshold |", "|---|---|---|---|---|"]
    for r in item.results:
        limit = "" if r.get("threshold") is None else f"{r['threshold']:.2f}"
        if r.get("error"):
            lines.append(f"| {r['guard']} | {html.escape(r['model'])} | error | {html.escape(r['error'])} | {limit} |")
        for cat, score in sorted(r["scores"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {r['guard']} | {html.escape(r['model'])} | {cat} | {score:.3f} | {limit} |")
    return "\n".join(lines)


def _claim_line(item: ReviewItem | None) -> str:
    if item is None or item.status != "pending":
        return "" if item is None else f"Decided: **{item.status}**."
    if item.claimed_by and item.claim_expires_at and _utc(item.claim_expires_at) > datetime.now(timezone.utc):
        return f"Claimed by **{html.escape(item.claimed_by)}** until {_utc(item.claim_expires_at):%H:%M} UTC."
    return "Not claimed."


def _plain(value) -> str:
    """A moderator's typed text without control characters or lone surrogates (PostgreSQL refuses NUL in text)."""
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))


def _as_id(value) -> int:
    try:
        number = int(str(value).lstrip("#")[:20])
    except ValueError:
        number = 0
    if not 0 < number < 2**63:  # past 2**63 the database cannot even compare it
        raise gr.Error(f"{str(value)[:40]!r} is not an item number.")
    return number


def _pick(value) -> int:
    if not value:
        raise gr.Error("Pick an item first.")
    return _as_id(value)


def _day(text: str | None, label: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise gr.Error(f"{label}: write the date as YYYY-MM-DD, e.g. 2026-11-23.") from None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _when(value: datetime) -> str:
    return _utc(value).strftime("%Y-%m-%d %H:%M:%S")


def _age(value: datetime) -> str:
    seconds = (datetime.now(timezone.utc) - _utc(value)).total_seconds()
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _dashboard_counts(d) -> str:
    decided = sum(d.decisions.values())
    lines = [f"**{d.pending} pending**" + (f", oldest waiting {_age(d.oldest_pending)}" if d.oldest_pending else ""),
             f"Last 30 days: {sum(sum(c.values()) for c in d.flags_per_day.values())} flagged, {decided} decided "
             f"({d.decisions.get('approved', 0)} approved, {d.decisions.get('rejected', 0)} rejected)."]
    if d.hours_to_decision:
        ordered = sorted(d.hours_to_decision)
        lines.append(f"Median time to decision: {ordered[len(ordered) // 2]:.2f} h.")
    for guard, (approved, total) in d.approved_share.items():
        lines.append(f"- {guard}: moderators approved {approved} of {total} held replies "
                     f"({approved / total:.0%}, an estimate of this guard's false-positive share)")
    return "  \n".join(lines)


def _dashboard_plots(d):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = []
    fig, ax = plt.subplots(figsize=(5, 3))
    days = list(d.flags_per_day)
    guards = sorted({g for c in d.flags_per_day.values() for g in c})
    bottom = [0] * len(days)
    for g in guards:
        values = [d.flags_per_day[day].get(g, 0) for day in days]
        ax.bar(days, values, bottom=bottom, label=g)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylabel("held replies")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    if guards:
        ax.legend()
    figs.append(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(list(d.decisions), list(d.decisions.values()), color=["#2a7", "#c33"][: len(d.decisions)])
    ax.set_ylabel("decisions")
    figs.append(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist(d.hours_to_decision or [0], bins=20)
    ax.set_xlabel("hours from held to decided")
    figs.append(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    names = list(d.approved_share)
    ax.bar(names, [a / t if t else 0 for a, t in d.approved_share.values()])
    ax.set_ylim(0, 1)
    ax.set_ylabel("approved / decided")
    figs.append(fig)
    for f in figs:
        f.tight_layout()
        plt.close(f)
    return figs
