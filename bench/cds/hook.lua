-- wrk script for bench/cds: POSTs the hook body with the next pre-signed JWT, so every
-- request carries a fresh jti (the gateway refuses replays). Run with one wrk thread.
-- args: tokens file (one JWT a line), body file.
local tokens, body, next_token, degraded = {}, nil, 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  local file = io.open(args[2], "rb")
  body = file:read("*a")
  file:close()
end

function request()
  next_token = next_token % #tokens + 1
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[next_token],
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", nil, headers, body)
end

-- The degraded answer (an info card: AI results are unavailable right now) is counted apart.
function response(status, headers, response_body)
  if response_body:find("unavailable right now", 1, true) then
    degraded = degraded + 1
    wrk.thread:set("degraded", degraded)
  end
end

function done(summary, latency, requests)
  local e, degraded_total = summary.errors, 0
  for _, thread in ipairs(threads) do degraded_total = degraded_total + (thread:get("degraded") or 0) end
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout + e.status, degraded_total))
end
