-- wrk script of bench/pages.py.
--   wrk ... -s bench/pages.lua URL                       counts answers other than 200
--   wrk ... -s bench/pages.lua URL -- LIMIT PATH COOKIE [PATH COOKIE ...]
--       each thread sends LIMIT requests (0: no limit), cycling through the paths, each
--       with its own Cookie header, then stops.
-- done() prints "non200 N" and "answered N" for bench/pages.py to read.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  limit = tonumber(args[1] or "0") or 0
  answered = 0
  non200 = 0
  requests = {}
  for i = 2, #args - 1, 2 do
    table.insert(requests, wrk.format("GET", args[i], { Cookie = args[i + 1] }))
  end
  if #requests == 0 then
    table.insert(requests, wrk.format())
  end
  next_request = 0
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then
    non200 = non200 + 1
  end
  if limit > 0 and answered >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local bad, total = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non200")
    total = total + thread:get("answered")
  end
  io.write(string.format("non200 %d\nanswered %d\n", bad, total))
end
