"""The direct model call: no framework, only the official `openai` client (the one LangChain's
ChatOpenAI and AutoGen's OpenAIChatCompletionClient wrap, from the LangGraph environment) making the
calls a scenario's script asks for — the agent's system prompt and the task, then the tool results,
until the model answers. It is the baseline of "overhead against a direct model call" (MAFBench)
and of "bytes a framework adds around a message" (AgentRace): the same client and latency profile
as the frameworks, without the framework.

It runs sequential scenarios (each agent in turn with the previous agent's output, as every system
does) and mixture-of-agents (the proposers' calls in parallel threads, then the aggregator); other
patterns need a framework's coordination and are unsupported.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import legion_common
from legion_common import FrameworkAdapter, Tally

import openai


class DirectAdapter(FrameworkAdapter):
    UNSUPPORTED = {pattern: "a direct model call has no construct for coordinating agents"
                   for pattern in ("hierarchical", "round-robin", "selector", "consensus")}

    def prepare(self, config):
        super().prepare(config)
        self.client = openai.OpenAI(base_url=config.base_url, api_key="legion-bench-no-key",
                                    max_retries=config.max_retries, timeout=config.request_timeout_s)

    def versions(self):
        return legion_common.distribution_versions("openai")

    def settings(self):
        return {}

    def run(self, scenario):
        # No framework, so no job object: the pattern's method makes the calls and returns the outcome.
        return self.pattern(scenario)(scenario)

    def run_concurrently(self, scenario, copies):
        """N copies on N threads of the synchronous client: a direct caller has no event loop of a
        framework's. Per copy its outcome, or the exception it raised."""
        start = time.monotonic_ns()

        def one(_):
            try:
                outcome = self.run(scenario)
            except Exception as error:  # a result of this copy, not of the batch
                outcome = error
            legion_common.stamp_latency(outcome, time.monotonic_ns() - start)
            return outcome
        with ThreadPoolExecutor(max_workers=copies) as pool:
            return list(pool.map(one, range(copies)))

    def turn(self, scenario, agent, text, tally):
        """One agent's turn: the model is called until it answers without tool calls."""
        tools = [{"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
                 for t in scenario.tools if t.name in agent.tools]
        messages = [{"role": "system", "content": agent.system_prompt}, {"role": "user", "content": text}]
        while True:
            options = {"tools": tools} if tools else {}
            reply = self.client.chat.completions.create(model=self.config.model, messages=messages, **options)
            tally.calls += 1
            if reply.usage:
                tally.add_usage(reply.usage.prompt_tokens, reply.usage.completion_tokens)
            message = reply.choices[0].message
            if not message.tool_calls:
                return message.content or ""
            messages.append(message.model_dump(exclude_none=True))
            for call in message.tool_calls:
                result = scenario.run_tool(call.function.name, call.function.arguments)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})

    def sequential(self, scenario):
        tally, author, output = Tally(), "", ""
        self.scenario = scenario
        for agent in scenario.agents:
            text = f"Task: {scenario.task}"
            if output:
                text += f"\n\nInput from {author}:\n{output}"
            author, output = agent.id, self.turn(scenario, agent, text, tally)
        return tally.outcome(output)

    def mixture(self, scenario):
        tally = Tally()
        self.scenario = scenario
        proposers = legion_common.mixture_proposers(scenario)
        propose = legion_common.propose_prompt(scenario, scenario.task)
        with ThreadPoolExecutor(max_workers=len(proposers)) as pool:
            # Each thread keeps its own tally; they are added up after the join.
            tallies = [Tally() for _ in proposers]
            answers = list(pool.map(lambda i: self.turn(scenario, proposers[i], propose, tallies[i]), range(len(proposers))))
        for t in tallies:
            tally.calls += t.calls
            if t.prompt_tokens is not None:
                tally.add_usage(t.prompt_tokens, t.completion_tokens)
        proposals = {p.id: a for p, a in zip(proposers, answers)}
        aggregator = scenario.agent(scenario.aggregator)
        return tally.outcome(self.turn(scenario, aggregator, legion_common.aggregate_prompt(scenario, scenario.task, proposals), tally))


def create():
    return DirectAdapter()
