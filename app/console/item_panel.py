"""The Queue tab's lower half: one item, its claim, the original (admins), and the decision."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr

from app.console import text
from app.console.queue_panel import relist, require_reason
from app.console.roles import refusal
from review.queue import AlreadyDecided, Claimed
from review.retry import StorageError

log = logging.getLogger(__name__)
APPROVE, REJECT = "Approve: show it to the person", "Reject: send a polite refusal"
# A reported reply was already shown: the decision labels it and changes nothing in the person's chat.
APPROVE_REPORT, REJECT_REPORT = "Close: the reply was fine", "Uphold: it should have been held"


@dataclass
class ItemPanel:
    claim: gr.Button
    unclaim: gr.Button
    claim_status: gr.Markdown
    user_msg: gr.Textbox
    reply: gr.HighlightedText
    words: gr.HighlightedText
    why: gr.Markdown
    reveal_box: gr.Accordion  # admins only
    reveal_why: gr.Textbox
    reveal: gr.Button
    original: gr.Textbox
    edited: gr.Textbox
    reason: gr.Dropdown
    note: gr.Textbox
    approve: gr.Button
    approve_edit: gr.Button
    reject: gr.Button
    decided: gr.Markdown

    def outputs(self) -> list:
        """What showing an item changes. Not the decision's status line: after a decision the next item is
        shown at once, and the moderator must still read what became of the last one."""
        return [self.user_msg, self.reply, self.words, self.why, self.claim_status, self.edited,
                self.original, self.reveal_why, self.approve, self.approve_edit, self.reject]

    def cleared(self) -> dict:
        return {self.user_msg: "", self.reply: [], self.words: gr.update(value=[], visible=False), self.why: "",
                self.claim_status: "", self.edited: gr.update(value="", visible=True),
                self.original: gr.update(value="", visible=False), self.reveal_why: "",
                self.approve: gr.update(value=APPROVE), self.approve_edit: gr.update(visible=True),
                self.reject: gr.update(value=REJECT)}


def build(info) -> ItemPanel:
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
    with gr.Accordion("Original reply (admins; unredacted; revealing it is recorded in the audit log)", open=False,
                      visible=False, elem_id="reveal-box") as reveal_box:
        reveal_why = gr.Textbox(label="Why you need the original", elem_id="reveal-why")
        reveal = gr.Button("Reveal original", elem_id="reveal")
        original = gr.Textbox(label="Original reply", interactive=False, visible=False, elem_id="original")
    edited = gr.Textbox(label="Edit before approving (released instead of the original)", lines=4, elem_id="edited-reply")
    with gr.Row():
        reason = gr.Dropdown(list(info.reason_codes), value=None, label="Reason code", elem_id="reason-code")
        note = gr.Textbox(label="Note (optional, stored with the decision)", elem_id="decision-note", scale=3)
    with gr.Row():
        approve = gr.Button(APPROVE, variant="primary", elem_id="approve")
        approve_edit = gr.Button("Approve edited version", elem_id="approve-edited")
        reject = gr.Button(REJECT, variant="stop", elem_id="reject")
    decided = gr.Markdown(elem_id="decision-status")
    return ItemPanel(claim, unclaim, claim_status, user_msg, reply, words, why, reveal_box, reveal_why, reveal, original,
                     edited, reason, note, approve, approve_edit, reject, decided)


def wire(c) -> None:
    p, pick = c.item, c.listing.pick

    def show(who, item_id):
        item = c.queue.view(text.as_id(item_id), who.name) if item_id else None
        if item is None:
            return {**p.cleared(), p.why: "Nothing selected."}
        v = text.item_view(item, c.explain, log)
        return {
            p.user_msg: v.user_message, p.reply: v.highlighted,
            p.words: gr.update(value=v.attributions or [], visible=v.attributions is not None),
            p.why: v.why, p.claim_status: text.claim_line(item),
            p.edited: gr.update(value="" if v.reported else item.reply, visible=not v.reported),
            p.original: gr.update(value="", visible=False), p.reveal_why: "",
            p.approve: gr.update(value=APPROVE_REPORT if v.reported else APPROVE),
            p.approve_edit: gr.update(visible=not v.reported),
            p.reject: gr.update(value=REJECT_REPORT if v.reported else REJECT),
        }

    def do_claim(who, item_id):
        item_id = text.pick(item_id)
        try:
            until = c.queue.claim(item_id, who.name)
        except (Claimed, AlreadyDecided) as exc:
            return {p.claim_status: f"Not claimed: {exc}."}
        return {p.claim_status: f"You hold item #{item_id} until {until:%H:%M} UTC; others cannot decide it meanwhile."}

    def do_unclaim(who, item_id):
        released = c.queue.release_claim(text.pick(item_id), who.name)
        return {p.claim_status: "Claim released." if released else "You did not hold a claim on this item."}

    def do_reveal(who, item_id, why_text):
        item_id = text.pick(item_id)
        if not (why_text or "").strip():
            raise refusal("Say why you need the original; it is stored in the audit log.")
        try:
            original = c.queue.reveal(item_id, who.name, text.plain(why_text).strip())
        except (KeyError, LookupError) as exc:
            raise refusal(str(exc).strip("'")) from None
        return {p.original: gr.update(value=original, visible=True)}

    def decide(who, item_id, reason_code, note_text, approve_it, edited_text=None):
        item_id = text.pick(item_id)
        reason_code = require_reason(reason_code)
        item = c.queue.get(item_id)
        reported = item is not None and item.guards == "user_report"
        try:
            c.queue.decide(item_id, who.name, approve_it, text.plain(note_text)[:2000], reason_code,
                           edited_reply=None if edited_text is None else text.plain(edited_text))
        except (AlreadyDecided, Claimed, ValueError) as exc:
            return {p.decided: f"Not recorded: {exc}."}
        except StorageError as exc:
            return {p.decided: f"Not recorded; the item is still pending. {exc}"}
        log.info("moderator %s %s item %s", who.name, "approved" if approve_it else "rejected", item_id)
        return {p.decided: text.decision_line(item_id, approve_it, edited_text is not None, reported), p.note: "",
                p.reason: None}

    def approve_item(who, item_id, reason_code, note_text):
        return decide(who, item_id, reason_code, note_text, True)

    def approve_edited(who, item_id, reason_code, note_text, edited_text):
        return decide(who, item_id, reason_code, note_text, True, edited_text or "")

    def reject_item(who, item_id, reason_code, note_text):
        return decide(who, item_id, reason_code, note_text, False)

    gate = c.gate
    gate.on(pick.change, "item", show, [pick], p.outputs())
    gate.on(p.claim.click, "claim", do_claim, [pick], [p.claim_status])
    gate.on(p.unclaim.click, "release_claim", do_unclaim, [pick], [p.claim_status])
    gate.on(p.reveal.click, "reveal", do_reveal, [pick, p.reveal_why], [p.original])
    # Each decision endpoint takes just the item and the decision; the listing refreshes afterwards.
    q = c.listing
    again = gate.hidden("queue", relist(c, keep_selection=True), q.view_inputs, [c.header.counts, *q.outputs()])
    decided = [p.decided, p.note, p.reason]
    gate.on(p.approve.click, "approve", approve_item, [pick, p.reason, p.note], decided).success(**again)
    gate.on(p.approve_edit.click, "approve_edited", approve_edited, [pick, p.reason, p.note, p.edited],
            decided).success(**again)
    gate.on(p.reject.click, "reject", reject_item, [pick, p.reason, p.note], decided).success(**again)
