#!/usr/bin/env python3
"""Measures how a local OpenAI-compatible server (llama-server with the offline model) does on the
single-tool scenario, outside legion-bench: does it call the tool, with the right name, with valid
JSON arguments, with the key the scenario plants, and does it then report the code?

    tools/probe_local_model.py --url http://127.0.0.1:8089 --trials 20 --temperature 0 --seed 42
    tools/probe_local_model.py --url ... --trials 20 --temperature 0.7 --seed 1   (seed 1, 2, ... per trial)
    tools/probe_local_model.py --url ... --repeat 5                               (does temperature 0 repeat itself?)

The conversation is the one datasets/scenarios/single-tool.yaml sets up: a system turn with the agent's
role and goal, the task, one tool `lookup_record(key)`. The tool answers as the harness does: the record
for "launch-code", "not found" for any other key, an error for malformed arguments. A trial runs the agent
loop for at most --turns model calls. Standard library only.
"""
import argparse
import json
import statistics
import time
import urllib.error
import urllib.request

PROJECT, CODE = "P-4821", "X-1234"
SYSTEM = ("You are Records Assistant. Your goal: Answer questions about stored records using the lookup tool.")
TASK = f"Find the launch code of project {PROJECT} and report it."
DESCRIPTIONS = {
    # the scenario's own words
    "scenario": "Look up a stored record by its key.",
    # the smallest changes that name the key a model has to guess
    "named-keys": "Look up a stored record by its key (keys: launch-code).",
    "example-key": 'Look up a stored record by its key, for example "launch-code".',
    # the key's schema lists the keys: the server's grammar then allows no other
    "enum": "Look up a stored record by its key (keys: launch-code).",
}


def tool(description):
    key = {"type": "string", "description": "the record key"}
    if description == "enum":
        key["enum"] = ["launch-code"]
    return {"type": "function", "function": {
        "name": "lookup_record", "description": DESCRIPTIONS[description],
        "parameters": {"type": "object", "properties": {"key": key}, "required": ["key"]}}}


def run_tool(arguments):
    try:
        args = json.loads(arguments) if isinstance(arguments, str) else arguments
    except json.JSONDecodeError:
        return False, None, "Error: arguments are not valid JSON."
    if not isinstance(args, dict) or not isinstance(args.get("key"), str):
        return False, None, "Error: lookup_record needs a string argument 'key'."
    key = args["key"]
    if key == "launch-code":
        return True, key, f"Record launch-code: {CODE}."
    return True, key, f"No record with key '{key}'."


def post(args, body):
    if args.no_cache:
        body = dict(body, cache_prompt=False)
    request = urllib.request.Request(args.url + "/v1/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=300) as response:
        reply = json.load(response)
    return reply, time.monotonic() - started


def trial(args, seed):
    """One agent loop; returns what happened at each step and the timings of each request."""
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": TASK}]
    outcome = {"server_error": None, "tool_call": False, "right_name": False, "valid_args": False, "right_key": False,
               "keys": [], "answered_code": False, "first_reply": None, "requests": []}
    for turn in range(args.turns):
        body = {"model": "local", "messages": messages, "tools": [tool(args.description)],
                "temperature": args.temperature, "seed": seed, "max_tokens": args.max_tokens}
        if args.tool_choice:
            body["tool_choice"] = args.tool_choice if turn == 0 or args.tool_choice_every_turn else "auto"
        try:
            reply, seconds = post(args, body)
        except urllib.error.HTTPError as error:  # llama-server answers 500 to a reply it cannot parse
            outcome["server_error"] = error.read().decode(errors="replace")[:300]
            break
        message = reply["choices"][0]["message"]
        timings = reply.get("timings", {})
        outcome["requests"].append({"seconds": seconds, "usage": reply.get("usage", {}),
                                    "predicted_per_second": timings.get("predicted_per_second"),
                                    "prompt_per_second": timings.get("prompt_per_second"),
                                    "prompt_n": timings.get("prompt_n"), "cache_n": timings.get("cache_n")})
        if turn == 0:  # without the call ids, which the server draws at random
            outcome["first_reply"] = {"content": message.get("content"), "tool_calls": [
                call.get("function") for call in message.get("tool_calls") or []]}
        calls = message.get("tool_calls") or []
        if not calls:
            outcome["answered_code"] = CODE in (message.get("content") or "")
            outcome["final"] = message.get("content")
            break
        messages.append({"role": "assistant", "content": message.get("content"), "tool_calls": calls})
        for call in calls:
            outcome["tool_call"] = True
            function = call.get("function", {})
            if function.get("name") == "lookup_record":
                outcome["right_name"] = True
                valid, key, result = run_tool(function.get("arguments", ""))
                outcome["valid_args"] |= valid
                outcome["right_key"] |= key == "launch-code"
                outcome["keys"].append(key)
            else:
                result = f"Error: no tool named {function.get('name')!r}."
            messages.append({"role": "tool", "tool_call_id": call.get("id", ""), "content": result})
    return outcome


def answer_given_result(args, seed):
    """Second turn alone: the right call and its result are in the conversation; is the code reported?"""
    call = {"id": "call_0", "type": "function",
            "function": {"name": "lookup_record", "arguments": json.dumps({"key": "launch-code"})}}
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": TASK},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "call_0", "content": f"Record launch-code: {CODE}."}]
    body = {"model": "local", "messages": messages, "tools": [tool(args.description)],
            "temperature": args.temperature, "seed": seed, "max_tokens": args.max_tokens}
    try:
        reply, _ = post(args, body)
    except urllib.error.HTTPError as error:
        return False, {"content": "server error: " + error.read().decode(errors="replace")[:200]}
    message = reply["choices"][0]["message"]
    return CODE in (message.get("content") or ""), message


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8089")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=42, help="first seed; with --temperature > 0 each trial adds 1")
    parser.add_argument("--tool-choice", choices=["auto", "required", "none"], default=None)
    parser.add_argument("--tool-choice-every-turn", action="store_true",
                        help="send --tool-choice on every turn, not only the first (required then loops)")
    parser.add_argument("--description", choices=sorted(DESCRIPTIONS), default="scenario")
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--no-cache", action="store_true",
                        help="ask the server not to reuse a cached prompt prefix (cache_prompt: false)")
    parser.add_argument("--repeat", type=int, default=0, help="send one request N times and compare the replies")
    parser.add_argument("--show", type=int, default=3, help="print the first replies of this many trials")
    args = parser.parse_args()

    if args.repeat:
        replies = [json.dumps(trial(args, args.seed)["first_reply"], sort_keys=True) for _ in range(args.repeat)]
        print(f"repeat: {len(set(replies))} distinct first replies in {args.repeat} identical requests")
        for reply in sorted(set(replies)):
            print("  ", reply[:300])
        return

    outcomes = []
    for number in range(args.trials):
        seed = args.seed + (number if args.temperature > 0 else 0)
        outcome = trial(args, seed)
        outcome["answer_given_result"], given = answer_given_result(args, seed)
        outcomes.append(outcome)
        if number < args.show:
            print(f"trial {number} (seed {seed}): first reply {json.dumps(outcome['first_reply'])[:400]}")
            print(f"   final: {json.dumps(outcome.get('final') or outcome['server_error'])[:300]}")
            print(f"   reply given the right result: {json.dumps(given.get('content'))[:300]}")

    def count(field):
        return sum(1 for outcome in outcomes if outcome[field])
    requests = [request for outcome in outcomes for request in outcome["requests"]]
    rates = [request["predicted_per_second"] for request in requests if request["predicted_per_second"]]
    prompt_rates = [request["prompt_per_second"] for request in requests if request["prompt_per_second"]]
    keys = {}
    for outcome in outcomes:
        for key in outcome["keys"]:
            keys[key] = keys.get(key, 0) + 1
    print(f"settings: temperature {args.temperature}, seed {args.seed}{'+trial' if args.temperature > 0 else ''}, "
          f"tool_choice {args.tool_choice or '(unset)'}, description {args.description!r}, {args.trials} trials"
          f"{', no prompt cache' if args.no_cache else ''}")
    for field, label in [("tool_call", "(a) emits a tool call"), ("right_name", "(b) with the right name"),
                         ("valid_args", "(c) with valid JSON arguments"), ("right_key", "    with key launch-code"),
                         ("answered_code", "(d) reports the code (end to end)"),
                         ("answer_given_result", "    reports the code given the right tool result"),
                         ("server_error", "server errors (HTTP 500, reply not parsed)")]:
        print(f"  {label:48} {count(field):3}/{len(outcomes)}")
    print(f"  keys tried: {json.dumps(keys)}")
    for error in sorted({outcome["server_error"] for outcome in outcomes if outcome["server_error"]}):
        print(f"  server error: {error}")
    print(f"  requests: {len(requests)}, seconds each: median {statistics.median(r['seconds'] for r in requests):.2f}, "
          f"max {max(r['seconds'] for r in requests):.2f}")
    if rates:
        print(f"  generated tokens/s: median {statistics.median(rates):.1f}; "
              f"prompt tokens/s: median {statistics.median(prompt_rates):.1f}")
    print(f"  completion tokens per request: median "
          f"{statistics.median(r['usage'].get('completion_tokens', 0) for r in requests)}, prompt tokens: median "
          f"{statistics.median(r['usage'].get('prompt_tokens', 0) for r in requests)}")


if __name__ == "__main__":
    main()
