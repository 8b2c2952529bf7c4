"""Drives the gateway with the official openai Python SDK (TestOpenAISDK, openai_sdk_test.go).

Usage: openai_client.py BASE_URL MODEL:stream|json ...

Prints one JSON object a line per request: {"model", "text", "finish_reason", "error",
"error_type"}. "error_type" is the SDK's exception class (APIError for an SSE error event,
APIConnectionError for an aborted connection); "error" its message.
"""

import json
import sys

import openai


def run(client, model, stream):
    out = {"model": model, "stream": stream, "text": "", "finish_reason": None, "error": None,
           "error_type": None}
    messages = [{"role": "user", "content": "hi"}]
    try:
        if stream:
            for chunk in client.chat.completions.create(model=model, messages=messages, stream=True):
                for choice in chunk.choices:
                    out["text"] += choice.delta.content or ""
                    out["finish_reason"] = choice.finish_reason or out["finish_reason"]
        else:
            reply = client.chat.completions.create(model=model, messages=messages)
            out["text"] = reply.choices[0].message.content
            out["finish_reason"] = reply.choices[0].finish_reason
    except openai.APIError as e:  # APIConnectionError is one too
        out["error"] = e.message
        out["error_type"] = type(e).__name__
    except Exception as e:  # not the SDK's own error: reported, for the test to reject
        out["error"] = str(e)
        out["error_type"] = type(e).__name__
    return out


def main():
    client = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key="unused", max_retries=0,
                           timeout=30)
    for arg in sys.argv[2:]:
        model, _, kind = arg.partition(":")
        print(json.dumps(run(client, model, kind == "stream")), flush=True)


if __name__ == "__main__":
    main()
