-- wrk script: POSTs the single-tool answer request (the second model call of the scenario) to a
-- standalone oracle. See docs/performance.md for the command. An argument after `--` pipelines
-- that many requests per write on each connection (HTTP/1.1 pipelining; wrk counts each answer).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"model":"legion-oracle","messages":[{"role":"system","content":"You are Records Assistant. Your goal: Answer questions about stored records using the lookup tool."},{"role":"user","content":"Task: Find the launch code of project X and report it."},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup_record","arguments":"{\"key\":\"launch-code\"}"}}]},{"role":"tool","content":"Record launch-code: none.","tool_call_id":"call_1"}],"tools":[{"type":"function","function":{"name":"lookup_record","description":"Look up a stored record by its key.","parameters":{"type":"object","properties":{"key":{"type":"string","description":"the record key"}},"required":["key"]}}}]}]]

local pipelined = nil

init = function(args)
  local depth = tonumber(args[1] or "1")
  if depth > 1 then
    local one = wrk.format()
    pipelined = string.rep(one, depth)
  end
end

request = function()
  return pipelined or wrk.format()
end

done = function(summary, latency, requests)
  io.write(string.format("requests/s: %.0f  errors: %d  latency p50: %.0f us  p99: %.0f us\n",
    summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
