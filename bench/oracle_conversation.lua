-- wrk script: a conversation of N messages with the single-tool agent (system, task, then tool
-- calls and their results), sent again and again with a new last exchange each time, as a growing
-- conversation resends its history. The oracle's exit line gives the service time for that length.
--   wrk -t1 -c1 -d10s -s bench/oracle_conversation.lua http://127.0.0.1:PORT/v1/chat/completions -- 100
local messages = 10
local counter = 0
local prefix, tools

init = function(args)
  messages = tonumber(args[1] or "10")
  local parts = {
    [[{"role":"system","content":"You are Records Assistant. Your goal: Answer questions about stored records using the lookup tool."}]],
    [[{"role":"user","content":"Task: Find the launch code of project X and report it."}]],
  }
  local k = 0
  while #parts < messages - 2 do
    k = k + 1
    parts[#parts + 1] = string.format([[{"role":"assistant","content":null,"tool_calls":[{"id":"call_h%d","type":"function","function":{"name":"lookup_record","arguments":"{\"key\":\"note-%d\"}"}}]}]], k, k)
    parts[#parts + 1] = string.format([[{"role":"tool","content":"Record note-%d: an earlier note, number %d of this conversation.","tool_call_id":"call_h%d"}]], k, k, k)
  end
  prefix = [[{"model":"legion-oracle","messages":[]] .. table.concat(parts, ",") .. ","
  tools = [[],"tools":[{"type":"function","function":{"name":"lookup_record","description":"Look up a stored record by its key.","parameters":{"type":"object","properties":{"key":{"type":"string","description":"the record key"}},"required":["key"]}}}]}]]
end

request = function()
  counter = counter + 1
  local body = prefix ..
    string.format([[{"role":"assistant","content":null,"tool_calls":[{"id":"call_n%d","type":"function","function":{"name":"lookup_record","arguments":"{\"key\":\"launch-code\"}"}}]},]], counter) ..
    string.format([[{"role":"tool","content":"Record launch-code: unknown (request %d).","tool_call_id":"call_n%d"}]], counter, counter) ..
    tools
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  io.write(string.format("requests/s: %.0f  errors: %d  latency p50: %.0f us  p99: %.0f us\n",
    summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
