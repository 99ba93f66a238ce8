"""The Dashboard tab: the queue's load (held share of replies, refusal share of messages, live per hour)
and the moderators' work (flags, decisions, time to decision, approved share per guard)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from app.console.text import age, code, share
from review.traffic import Side, TrafficSummary

HOURS = 24  # the window of the held and refusal shares
DAYS = 30  # the window of the review figures


@dataclass
class DashboardView:
    refresh: gr.Button
    load: gr.Markdown
    counts: gr.Markdown
    plot_load: gr.Plot
    plot_flags: gr.Plot
    plot_outcomes: gr.Plot
    plot_latency: gr.Plot
    plot_share: gr.Plot


def build() -> DashboardView:
    refresh = gr.Button("Refresh dashboard", elem_id="dash-refresh")
    load = gr.Markdown(elem_id="dash-load")
    counts = gr.Markdown(elem_id="dash-counts")
    plot_load = gr.Plot(label=f"Share of replies held and of messages refused, per hour (last {HOURS} h)")
    with gr.Row():
        plot_flags = gr.Plot(label="Flags per day by guard")
        plot_outcomes = gr.Plot(label="Decisions by outcome")
    with gr.Row():
        plot_latency = gr.Plot(label="Time to decision")
        plot_share = gr.Plot(label="Share of held replies approved, per guard")
    return DashboardView(refresh, load, counts, plot_load, plot_flags, plot_outcomes, plot_latency, plot_share)


def wire(c) -> None:
    v = c.dashboard

    def dashboard(who):
        d = c.queue.dashboard(days=DAYS)
        t = c.queue.traffic.summary(hours=HOURS)
        load, flags, outcomes, latency, approved = dashboard_plots(d, t)
        return {v.load: load_text(t), v.counts: review_text(d), v.plot_load: load, v.plot_flags: flags,
                v.plot_outcomes: outcomes, v.plot_latency: latency, v.plot_share: approved}

    c.gate.on(v.refresh.click, "dashboard", dashboard, [],
              [v.load, v.counts, v.plot_load, v.plot_flags, v.plot_outcomes, v.plot_latency, v.plot_share])


def live_line(t: TrafficSummary) -> str:
    """The header's one line on the load coming to the queue: the last hour."""
    hour = t.hours[-1]
    r, m = t.replies, t.messages
    held = r.stopped_per_hour[hour] / r.checked_per_hour[hour] if r.checked_per_hour[hour] else None
    refused = m.stopped_per_hour[hour] / m.checked_per_hour[hour] if m.checked_per_hour[hour] else None
    if not (r.checked_per_hour[hour] or m.checked_per_hour[hour]):
        return "No replies or messages checked this hour yet."
    return (f"This hour: {share(held)} of {r.checked_per_hour[hour]} replies held, "
            f"{share(refused)} of {m.checked_per_hour[hour]} messages refused.")


def _reasons(side: Side, limit: int = 8) -> str:
    if not side.stopped:
        return ""
    by_guard = ", ".join(f"{g} {n / side.checked:.1%}" for g, n in side.by_guard().most_common())
    top = ", ".join(f"{code(reason)} {n / side.checked:.1%} ({n})" for reason, n in side.reasons.most_common(limit))
    return f"  \n&nbsp;&nbsp;by guard: {by_guard}  \n&nbsp;&nbsp;by reason: {top}"


def load_text(t: TrafficSummary) -> str:
    """The held share of replies and the refusal share of messages over the last HOURS hours, with why."""
    r, m = t.replies, t.messages
    return "  \n".join([
        f"**Last {len(t.hours)} h: {share(r.share)} of replies held** ({r.stopped} of {r.checked} checked)" + _reasons(r),
        f"**{share(m.share)} of messages refused** ({m.stopped} of {m.checked} checked)" + _reasons(m),
    ])


def review_text(d) -> str:
    decided = sum(d.decisions.values())
    lines = [f"**{d.pending} pending**" + (f", oldest waiting {age(d.oldest_pending)}" if d.oldest_pending else ""),
             f"Last {DAYS} days: {sum(sum(c.values()) for c in d.flags_per_day.values())} flagged, {decided} decided "
             f"({d.decisions.get('approved', 0)} approved, {d.decisions.get('rejected', 0)} rejected)."]
    if d.hours_to_decision:
        ordered = sorted(d.hours_to_decision)
        lines.append(f"Median time to decision: {ordered[len(ordered) // 2]:.2f} h.")
    for guard, (approved, total) in d.approved_share.items():
        lines.append(f"- {guard}: moderators approved {approved} of {total} held replies "
                     f"({approved / total:.0%}, an estimate of this guard's false-positive share)")
    return "  \n".join(lines)


def dashboard_plots(d, t: TrafficSummary):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = []
    fig, ax = plt.subplots(figsize=(10, 2.6))
    labels = [f"{h:%H}:00" for h in t.hours]
    for side, name in ((t.replies, "replies held"), (t.messages, "messages refused")):
        values = [float("nan") if s is None else s for s in side.share_per_hour(t.hours)]
        ax.plot(labels, values, marker="o", label=name)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.legend()
    figs.append(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    days = list(d.flags_per_day)
    guards = sorted({g for c in d.flags_per_day.values() for g in c})
    bottom = [0] * len(days)
    for g in guards:
        values = [d.flags_per_day[day].get(g, 0) for day in days]
        ax.bar(days, values, bottom=bottom, label=g)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("held replies")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    if guards:
        ax.legend()
    figs.append(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(list(d.decisions), list(d.decisions.values()), color=["#2a7", "#c33"][: len(d.decisions)])
    ax.set_ylabel("decisions")
    _empty(ax, not d.decisions)
    figs.append(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    if d.hours_to_decision:
        ax.hist(d.hours_to_decision, bins=20, range=(0, max(max(d.hours_to_decision), 1e-3)))
    else:
        ax.text(0.5, 0.5, "no decisions yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(left=0)  # a histogram of one value spread its bins below zero: hours are never negative
    ax.set_xlabel("hours from held to decided")
    figs.append(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    names = list(d.approved_share)
    ax.bar(names, [a / t if t else 0 for a, t in d.approved_share.values()])
    ax.set_ylim(0, 1)
    ax.set_ylabel("approved / decided")
    _empty(ax, not names)
    figs.append(fig)
    for f in figs:
        f.tight_layout()
        plt.close(f)
    return figs


def _empty(ax, empty: bool) -> None:
    """An empty bar chart said so, instead of showing axes around zero with negative ticks."""
    if empty:
        ax.text(0.5, 0.5, "no decisions yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_ylim(0, 1)
