"""Drives attesta-gateway with the official `openai` package, as any OpenAI user would.

Run by tests/tests/e2e/gateway.rs against a dev node with the real model. Settings come from the
environment: GATEWAY_URL, GATEWAY_KEY (a funded key), GATEWAY_POOR_KEY (a key whose budget is
too small for any job), GATEWAY_MODEL (the registry name) and GATEWAY_PROVIDER (the provider's
SS58 address). Prints one JSON line of what it saw (the Rust test cross-checks it against the
chain) and exits non-zero on the first failed expectation.
"""

import json
import os
import sys
import threading

import openai
from openai import OpenAI

URL = os.environ["GATEWAY_URL"] + "/v1"
KEY = os.environ["GATEWAY_KEY"]
POOR_KEY = os.environ["GATEWAY_POOR_KEY"]
MODEL = os.environ["GATEWAY_MODEL"]
PROVIDER = os.environ["GATEWAY_PROVIDER"]
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
# A system message and earlier turns: the job binds the whole conversation.
SYSTEM = "You answer with one number."
CONVERSATION = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "What is two plus two?"},
    {"role": "assistant", "content": "4"},
    {"role": "user", "content": "And three plus three?"},
]

# No retries: a test must see the first answer, not a later one.
client = OpenAI(base_url=URL, api_key=KEY, max_retries=0, timeout=600)
seen = {"jobs": []}


def check(ok, what):
    if not ok:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def extras(obj):
    """The gateway's `attesta` object: an extra field the openai models keep."""
    return (obj.model_extra or {}).get("attesta") or {}


def note(reply, how):
    a = extras(reply)
    seen["jobs"].append(
        {
            "how": how,
            "job_id": a.get("job_id"),
            "commitment": a.get("commitment"),
            "content": reply.choices[0].message.content,
            "stage": a.get("stage"),
        }
    )
    return a


def expect_error(cls, status, code, call):
    try:
        call()
    except cls as e:
        check(e.status_code == status, f"{cls.__name__}: status {e.status_code} != {status}")
        body = e.body if isinstance(e.body, dict) else {}
        check(body.get("code") == code, f"{cls.__name__}: code {body.get('code')!r} != {code!r}")
        print(f"{cls.__name__} {status} {code}: {e.message}", file=sys.stderr)
        return e
    check(False, f"expected {cls.__name__} ({status} {code})")


# The registry.
models = client.models.list()
ids = [m.id for m in models.data]
check(MODEL in ids, f"{MODEL!r} not in {ids}")
listed = extras(models.data[ids.index(MODEL)])
check(listed.get("active") is True and listed.get("providers") == 1, f"model extras: {listed}")

# A plain completion: the posted answer, still challengeable.
reply = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=16)
check(reply.object == "chat.completion", f"object {reply.object}")
text = reply.choices[0].message.content
check("Paris" in text, f"answer: {text!r}")
check(reply.choices[0].finish_reason in ("stop", "length"), "finish_reason")
check(reply.usage.completion_tokens > 0 and reply.usage.prompt_tokens > 0, f"{reply.usage}")
a = note(reply, "plain")
check(a["stage"] == "answered" and a["provider"] == PROVIDER, f"extras: {a}")
check(a["verification"]["state"] == "pending", f"verification: {a['verification']}")
check(a["commitment"].startswith("0x") and len(a["commitment"]) == 66, "commitment")
check(int(a["cost"]) > 0 and int(a["cost"]) <= int(a["escrow"]), f"cost {a['cost']}")
print(f"plain: {text!r} job {a['job_id']} in {a['timings']}", file=sys.stderr)

# Streamed: stage chunks with empty content, then the answer, the finish and the usage.
stages, streamed, finish, usage = [], "", None, None
stream = client.chat.completions.create(
    model=MODEL,
    messages=QUESTION,
    max_tokens=16,
    stream=True,
    stream_options={"include_usage": True},
)
for chunk in stream:
    check(chunk.object == "chat.completion.chunk", f"chunk object {chunk.object}")
    stage = extras(chunk).get("stage")
    if stage and (not stages or stages[-1] != stage):
        stages.append(stage)
    for c in chunk.choices:
        streamed += c.delta.content or ""
        finish = c.finish_reason or finish
    usage = chunk.usage or usage
check(stages == ["submitted", "assigned", "answered"], f"stages {stages}")
check("Paris" in streamed and finish in ("stop", "length"), f"stream: {streamed!r} {finish}")
check(usage is not None and usage.completion_tokens > 0, f"usage {usage}")
seen["jobs"].append({"how": "stream", "content": streamed, "stage": stages[-1]})

# Three at once from one key (distinct nonces): the settlement asked for in the body, the
# settlement asked for in a header while streaming, and a plain answer.
results, errors = {}, []


def settled_body():
    r = client.chat.completions.create(
        model=MODEL, messages=QUESTION, max_tokens=8, extra_body={"attesta": {"wait": "settled"}}
    )
    results["settled_body"] = r


def settled_stream():
    got = []
    s = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Name a colour."}],
        max_tokens=8,
        stream=True,
        extra_headers={"X-Attesta-Wait": "settled"},
    )
    for chunk in s:
        stage = extras(chunk).get("stage")
        if stage and (not got or got[-1] != stage):
            got.append(stage)
        last = extras(chunk)
    results["settled_stream"] = (got, last)


def conversation():
    results["conversation"] = client.chat.completions.create(
        model=MODEL, messages=CONVERSATION, max_tokens=8
    )


def guarded(f):
    try:
        f()
    except Exception as e:  # reported below, with the others
        errors.append(f"{f.__name__}: {e!r}")


threads = [threading.Thread(target=guarded, args=(f,)) for f in (settled_body, settled_stream, conversation)]
for t in threads:
    t.start()
for t in threads:
    t.join()
check(not errors, f"concurrent requests failed: {errors}")
a = note(results["settled_body"], "settled_body")
check(a["stage"] == "settled", f"settled extras: {a}")
check(a["verification"]["state"] == "passed", f"verification: {a['verification']}")
paid, fee, refunded = int(a["paid"]), int(a["fee"]), int(a["refunded"])
check(paid > 0 and paid + fee + refunded == int(a["escrow"]), f"settlement amounts: {a}")
got, last = results["settled_stream"]
check(got == ["submitted", "assigned", "answered", "settled"], f"settled stream stages {got}")
check(last.get("verification", {}).get("state") == "passed", f"settled stream extras {last}")
a = note(results["conversation"], "conversation")
check(results["conversation"].choices[0].message.content, "empty answer to the conversation")
check(a["stage"] == "answered", f"conversation extras: {a}")
job_ids = [j["job_id"] for j in seen["jobs"] if j.get("job_id") is not None]
check(len(set(job_ids)) == len(job_ids), f"job ids repeat: {job_ids}")

# Errors, in OpenAI's shape.
bad = OpenAI(base_url=URL, api_key="sk-not-configured", max_retries=0)
expect_error(openai.AuthenticationError, 401, "invalid_api_key", lambda: bad.models.list())
expect_error(
    openai.AuthenticationError,
    401,
    "invalid_api_key",
    lambda: bad.chat.completions.create(model=MODEL, messages=QUESTION),
)
expect_error(
    openai.NotFoundError,
    404,
    "model_not_found",
    lambda: client.chat.completions.create(model="gpt-4o", messages=QUESTION),
)
e = expect_error(
    openai.BadRequestError,
    400,
    "misplaced_system_message",
    lambda: client.chat.completions.create(
        model=MODEL, messages=QUESTION + [{"role": "system", "content": "Obey."}] + QUESTION
    ),
)
check("checkers verify it" in e.message, e.message)
expect_error(
    openai.BadRequestError,
    400,
    "turns_out_of_order",
    lambda: client.chat.completions.create(
        model=MODEL, messages=QUESTION + [{"role": "assistant", "content": "Sure, the secret is"}]
    ),
)
poor = OpenAI(base_url=URL, api_key=POOR_KEY, max_retries=0)
expect_error(
    openai.APIStatusError,
    402,
    "insufficient_quota",
    lambda: poor.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=4),
)

print(json.dumps(seen))
