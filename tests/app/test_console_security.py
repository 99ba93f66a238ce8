"""The console's roles, the server's security headers, unknown API names and one-time exports, on the
real UI launched in this process (tests/app/console_app.py: real database and accounts, no chat model)."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.request

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from app.console.roles import ADMIN as ADMIN_ROLE
from app.console.roles import ENDPOINT_ROLES
from app.console.roles import MODERATOR as MODERATOR_ROLE
from app.security import CSP
from review import audit
from tests.app.console_app import INFO, ORIGINAL, console_app
from tests.app.servers import ADMIN, MODERATOR

NOT_SIGNED_IN = "sign in as a moderator first"
NOT_ADMIN = "needs the admin role"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with console_app(tmp_path_factory.mktemp("console")) as running:
        yield running


def client(app, account=None) -> Client:
    c = Client(app.url, verbose=False)
    if account:
        c.predict(*account, api_name="/login")
    return c


def get(url: str, method: str = "GET", body: bytes | None = None):
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def arguments(item: int) -> dict[str, tuple]:
    """Plausible arguments for each guarded endpoint (the token is the session's, not an argument)."""
    return {
        "queue": ("pending", "any", "", "", "", "", 0, 1, "oldest", 1, 50, str(item)),
        "live": (),
        "item": (str(item),),
        "claim": (str(item),),
        "release_claim": (str(item),),
        "approve": (str(item), "false positive", "checked"),
        "approve_edited": (str(item), "false positive", "checked", "An edited reply."),
        "reject": (str(item), "toxic", "checked"),
        "bulk_approve": ([str(item)], "false positive"),
        "bulk_reject": ([str(item)], "toxic"),
        "dashboard": (),
        "reveal": (str(item), "checking the redaction"),
        "audit_log": ("", "", None),
        "export": ("decisions", "csv"),
    }


def test_every_console_endpoint_is_in_the_role_table_and_wired_through_it(app):
    console = app.demo.console
    assert console.gate.wired == {name for name, role in ENDPOINT_ROLES.items() if role}
    named = {fn.api_name for fn in app.demo.fns.values() if isinstance(fn.api_name, str) and fn.api_visibility != "private"}
    chat_side = {"chat", "poll", "report"}
    assert named - chat_side == set(ENDPOINT_ROLES), "a console endpoint without a role in ENDPOINT_ROLES"


@pytest.mark.parametrize("endpoint", [name for name, role in ENDPOINT_ROLES.items() if role])
def test_each_endpoint_as_nobody_a_moderator_and_an_admin(app, endpoint, capfd):
    """The role comes from ENDPOINT_ROLES: reveal, audit_log and export are for admins only (issue 22: a
    moderator could reveal originals)."""
    args = arguments(app.hold())[endpoint]
    nobody, mod, admin = client(app), client(app, MODERATOR), client(app, ADMIN)
    with pytest.raises(AppError, match=NOT_SIGNED_IN):
        nobody.predict(*args, api_name=f"/{endpoint}")
    if ENDPOINT_ROLES[endpoint] == ADMIN_ROLE:
        with pytest.raises(AppError, match=NOT_ADMIN):
            mod.predict(*args, api_name=f"/{endpoint}")
    for who in ([mod] if ENDPOINT_ROLES[endpoint] == MODERATOR_ROLE else []) + [admin]:
        try:
            who.predict(*args, api_name=f"/{endpoint}")
        except AppError as exc:  # refused for another reason (e.g. already decided) is fine; by role is not
            assert NOT_SIGNED_IN not in str(exc) and NOT_ADMIN not in str(exc), str(exc)
    # A refusal is an answer, not a fault: no traceback in the server's output (56 from one probe session).
    assert "Traceback" not in capfd.readouterr().err


def test_a_moderator_cannot_reveal_but_an_admin_can(app):
    item = app.hold()
    with pytest.raises(AppError, match=NOT_ADMIN):
        client(app, MODERATOR).predict(str(item), "curious", api_name="/reveal")
    assert client(app, ADMIN).predict(str(item), "checking the redaction", api_name="/reveal")["value"] == ORIGINAL


def test_the_browser_is_told_to_keep_nothing_and_load_only_from_the_app(app):
    status, headers, body = get(app.url + "/")
    headers = {k.lower(): v for k, v in headers.items()}
    assert status == 200 and headers["content-security-policy"] == CSP
    assert "default-src 'self'" in CSP and "img-src 'self' data: blob:" in CSP and "connect-src 'self'" in CSP
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    config = json.loads(get(app.url + "/config")[2])
    # Gradio's run history kept every call, the sign-in password included, in localStorage.
    assert config["run_history"] is False and "runs" not in config["footer_links"]
    assert get(app.url + "/gradio_api/runs")[0] == 404


def test_the_models_and_policy_are_shown_only_after_sign_in(app):
    page = get(app.url + "/")[2].decode() + get(app.url + "/config")[2].decode()
    for secret in (INFO.pii_model, INFO.toxicity_fallback_reason, INFO.policy):
        assert secret not in page
    banner = next(v for v in client(app, MODERATOR).predict(*MODERATOR, api_name="/login") if isinstance(v, str)
                  and INFO.pii_model in v)
    assert INFO.toxicity_fallback_reason in banner and "FALLBACK" in banner


def test_an_unknown_api_name_is_404_not_500(app):
    body = json.dumps({"data": []}).encode()
    status, _, answer = get(app.url + "/gradio_api/call/no_such_endpoint", "POST", body)
    assert status == 404 and "no API endpoint named 'no_such_endpoint'" in answer.decode()
    assert get(app.url + "/gradio_api/call/false", "POST", body)[0] == 404  # an unnamed (private) event
    assert get(app.url + "/gradio_api/call/dashboard", "POST", body)[0] == 200  # a real one is still served


def test_an_export_reaches_only_the_admin_who_asked_and_is_gone_after_the_download(app, tmp_path):
    item = app.hold()
    client(app, MODERATOR).predict(str(item), "false positive", "ok", api_name="/approve")
    before = len(app.demo.downloads)
    link = client(app, ADMIN).predict("decisions", "csv", api_name="/export")
    href = re.search(r'href="([^"]+)"', link).group(1)
    assert href.startswith("download/") and len(app.demo.downloads) == before + 1
    status, headers, body = get(f"{app.url}/{href}")
    assert status == 200 and "attachment" in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert any(int(r["item_id"]) == item and r["moderator"] == MODERATOR[0] for r in rows)
    assert get(f"{app.url}/{href}")[0] == 404  # one download only
    assert len(app.demo.downloads) == before
    assert ("root", "exported") in [(e.actor, e.action) for e in audit.browse(app.queue.engine, action="exported")]
    assert get(f"{app.url}/download/{'x' * 43}")[0] == 404  # a guessed address


def test_a_decision_needs_its_reason_code_picked(app):
    """There is no default: a rejection was filed as "false positive" unless changed (issue 22, item 7)."""
    item = app.hold()
    mod = client(app, MODERATOR)
    for endpoint in ("/approve", "/reject"):
        with pytest.raises(AppError, match="Pick a reason code"):
            mod.predict(str(item), None, "", api_name=endpoint)
    message, *_ = mod.predict(str(item), "toxic", "", api_name="/reject")
    assert message.startswith(f"Item #{item} rejected")
    assert app.queue.decisions(item)[0].reason_code == "toxic"


def test_an_edited_version_of_a_reported_reply_is_refused_not_said_to_be_released(app):
    conversation = app.queue.start_conversation()
    shown = app.queue.record(conversation, "assistant", "A reply the person saw.")
    item = app.queue.report(conversation, shown, "q", "A reply the person saw.", "rude")
    mod = client(app, MODERATOR)
    message, *_ = mod.predict(str(item), "other", "", "A better reply.", api_name="/approve_edited")
    assert message.startswith("Not recorded") and "already shown to the person" in message
    message, *_ = mod.predict(str(item), "toxic", "", api_name="/reject")
    assert "upheld" in message and app.queue.get(item).status == "rejected"
