"""The Queue tab's upper half: filters, the table of items, and bulk decisions on a page."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from app.console import text as views
from app.console.roles import refusal
from review.queue import SORTS, ItemFilter

STATUSES = ["pending", "approved", "rejected", "any"]
GUARDS = ["any", "toxicity", "pii", "error", "user_report"]
PAGE_SIZES = [25, 50, 100]
COLUMNS = ["item", "held at (UTC)", "status", "guard", "categories", "score", "claimed by", "reply (redacted, start)"]
# Without widths the reply column took the table and the others' headers wrapped letter by letter.
WIDTHS = ["70px", "160px", "95px", "100px", "140px", "70px", "110px", "400px"]


@dataclass
class QueueView:
    filters: list  # status, guard, category, text, since, until, min score, max score
    sort: gr.Dropdown
    size: gr.Dropdown
    page: gr.Number
    apply: gr.Button
    page_info: gr.Markdown
    table: gr.Dataframe
    bulk_pick: gr.Dropdown
    bulk_reason: gr.Dropdown
    bulk_approve: gr.Button
    bulk_reject: gr.Button
    bulk_status: gr.Markdown
    pick: gr.Dropdown  # the item to review (shown in the item panel below)

    @property
    def view_inputs(self) -> list:
        return [*self.filters, self.sort, self.page, self.size, self.pick]

    def outputs(self) -> list:
        return [self.page_info, self.table, self.pick, self.bulk_pick]

    def show(self, queue, where: ItemFilter | None = None, sort="oldest", page=1, size=50, keep=None) -> dict:
        """One page of items. The item picker keeps `keep` if it is on the page, else takes the first."""
        result = queue.search(where or ItemFilter(), sort or "oldest", int(page or 1), int(size or 50))
        choices = [(f"#{i.id} · {i.guards} · {i.reply[:40]}", str(i.id)) for i in result.items]
        chosen = keep if keep in {v for _, v in choices} else (choices[0][1] if choices else None)
        return {
            self.page_info: f"Page {result.page} of {result.pages} · {result.total} matching item(s)",
            self.table: views.listing_rows(result.items),
            self.pick: gr.update(choices=choices, value=chosen),
            self.bulk_pick: gr.update(choices=choices, value=[]),
        }

    def cleared(self) -> dict:
        return {self.page_info: "", self.table: [], self.pick: gr.update(choices=[], value=None),
                self.bulk_pick: gr.update(choices=[], value=[])}


def build(info) -> QueueView:
    with gr.Row():
        status = gr.Dropdown(STATUSES, value="pending", label="Status", elem_id="f-status")
        guard = gr.Dropdown(GUARDS, value="any", label="Guard", elem_id="f-guard")
        category = gr.Textbox(label="Category contains", placeholder="e.g. PERSON, toxicity", elem_id="f-category")
        words = gr.Textbox(label="Search text", placeholder="words in the message or reply", elem_id="f-text")
    with gr.Row():
        since = gr.Textbox(label="Held from (YYYY-MM-DD)", elem_id="f-since")
        until = gr.Textbox(label="Held until (YYYY-MM-DD, inclusive)", elem_id="f-until")
        lo = gr.Number(label="Score at least", value=0, minimum=0, maximum=1, elem_id="f-min")
        hi = gr.Number(label="Score at most", value=1, minimum=0, maximum=1, elem_id="f-max")
    with gr.Row():
        sort = gr.Dropdown(list(SORTS), value="oldest", label="Sort", elem_id="f-sort")
        size = gr.Dropdown(PAGE_SIZES, value=50, label="Per page")
        page = gr.Number(label="Page", value=1, precision=0, minimum=1, elem_id="f-page")
        apply = gr.Button("Apply filters", variant="primary", elem_id="f-apply")
    page_info = gr.Markdown(elem_id="page-info")
    table = gr.Dataframe(headers=COLUMNS, interactive=False, wrap=True, label="Items", column_widths=WIDTHS,
                         elem_id="items-table")
    with gr.Accordion("Bulk decision on this page", open=False):
        # A multiselect that takes any value: the handler checks each number (after the role), rather than
        # Gradio refusing, with a traceback, an item that was not listed in this browser session.
        bulk_pick = gr.Dropdown(label="Items to decide", choices=[], multiselect=True, allow_custom_value=True,
                                elem_id="bulk-pick")
        with gr.Row():
            # No default: a reason is chosen for each decision, so a rejection is not filed as "false positive".
            bulk_reason = gr.Dropdown(list(info.reason_codes), value=None, label="Reason code", elem_id="bulk-reason")
            bulk_approve = gr.Button("Approve selected", elem_id="bulk-approve")
            bulk_reject = gr.Button("Reject selected", variant="stop", elem_id="bulk-reject")
        bulk_status = gr.Markdown(elem_id="bulk-status")
    pick = gr.Dropdown(label="Item to review", choices=[], allow_custom_value=True, elem_id="item-pick")
    return QueueView([status, guard, category, words, since, until, lo, hi], sort, size, page, apply, page_info, table,
                     bulk_pick, bulk_reason, bulk_approve, bulk_reject, bulk_status, pick)


def relist(c, keep_selection: bool):
    """The handler that lists the page: after Apply the first item of the new order is picked (a re-sort
    showed the old item still); after a decision the picked item stays if it is still listed."""
    from app.console.signin import header_line

    q = c.listing

    # The parameters' names are the API's (tests/app/test_api.py listing).
    def handler(who, status, guard, category, text, since, until, min_score, max_score, sort, page, page_size,
                selected=None):
        where = views.filters(status, guard, category, text, since, until, min_score, max_score)
        return {c.header.counts: header_line(c, who),
                **q.show(c.queue, where, sort, page, page_size, keep=selected if keep_selection else None)}

    return handler


def require_reason(reason_code) -> str:
    if not reason_code:
        raise refusal("Pick a reason code first: it says why you approve or reject, for the decision log.")
    return str(reason_code)


def wire(c) -> None:
    q = c.listing
    outputs = [c.header.counts, *q.outputs()]
    c.gate.on(q.apply.click, "queue", relist(c, keep_selection=False), q.view_inputs, outputs)

    def bulk(approve: bool):
        def handler(who, item_ids, reason_code):
            reason_code = require_reason(reason_code)
            if not item_ids:
                raise refusal("Tick the items to decide first.")
            done, skipped = c.queue.decide_many([views.as_id(i) for i in item_ids], who.name, approve, "bulk decision",
                                                reason_code)
            message = f"{'Approved' if approve else 'Rejected'} {len(done)} item(s)."
            if skipped:
                message += " Skipped: " + "; ".join(f"#{i}: {why}" for i, why in skipped.items())
            return {q.bulk_status: message}
        return handler

    again = dict(inputs=q.view_inputs, outputs=outputs)
    for button, name, approve in ((q.bulk_approve, "bulk_approve", True), (q.bulk_reject, "bulk_reject", False)):
        c.gate.on(button.click, name, bulk(approve), [q.bulk_pick, q.bulk_reason], [q.bulk_status]).success(
            **c.gate.hidden("queue", relist(c, keep_selection=True), **again))
