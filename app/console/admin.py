"""The Audit log tab (admins): browse the audit log, export decisions or the log as a one-time download."""

from __future__ import annotations

import html
from dataclasses import dataclass

import gradio as gr

from app.console import text
from app.console.roles import refusal
from review import audit
from review.export import FORMATS, KINDS, export_bytes

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


@dataclass
class AdminView:
    note: gr.Markdown
    box: gr.Column
    actor: gr.Textbox
    action: gr.Textbox
    item: gr.Number
    show: gr.Button
    table: gr.Dataframe
    what: gr.Dropdown
    fmt: gr.Dropdown
    export: gr.Button
    download: gr.HTML

    def outputs(self) -> list:
        return [self.table, self.download]

    def cleared(self) -> dict:
        return {self.table: [], self.download: ""}


def build() -> AdminView:
    note = gr.Markdown("Only admins can read the audit log and export.", elem_id="admin-note")
    with gr.Column(visible=False) as box:
        with gr.Row():
            actor = gr.Textbox(label="Actor")
            action = gr.Textbox(label="Action", placeholder="e.g. decided, login_failure")
            item = gr.Number(label="Item", precision=0, elem_id="audit-item")
            show = gr.Button("Show", elem_id="audit-show")
        table = gr.Dataframe(headers=["at (UTC)", "actor", "action", "item", "detail"], interactive=False, wrap=True,
                             elem_id="audit-table", column_widths=["170px", "110px", "130px", "70px", "500px"])
        with gr.Row():
            what = gr.Dropdown(list(KINDS), value="decisions", label="Export")
            fmt = gr.Dropdown(list(FORMATS), value="csv", label="Format")
            export = gr.Button("Export", elem_id="export")
        download = gr.HTML(elem_id="export-file")
    return AdminView(note, box, actor, action, item, show, table, what, fmt, export, download)


def download_link(href: str, filename: str, rows: int, ttl_s: float) -> str:
    return (f'<a href="{html.escape(href)}" download="{html.escape(filename)}">Download {html.escape(filename)}</a> '
            f"({rows} rows). The link works once, for {ttl_s / 60:g} minutes; nothing is kept on the server after.")


def wire(c) -> None:
    a = c.admin

    def audit_view(who, actor, action, item):
        rows = audit.browse(c.queue.engine, actor=(actor or "").strip() or None, action=(action or "").strip() or None,
                            item_id=int(item) if item else None, limit=500)
        return {a.table: text.audit_rows(rows)}

    def export(who, what, fmt):
        if what not in KINDS or fmt not in FORMATS:
            raise refusal("Export decisions or audit, as csv or jsonl.")
        filename, data, rows = export_bytes(c.queue.engine, what, fmt, who.name)
        href = c.downloads.add(filename, data, MEDIA_TYPES[fmt])
        return {a.download: download_link(href, filename, rows, c.downloads.ttl_s)}

    c.gate.on(a.show.click, "audit_log", audit_view, [a.actor, a.action, a.item], [a.table])
    c.gate.on(a.export.click, "export", export, [a.what, a.fmt], [a.download])
