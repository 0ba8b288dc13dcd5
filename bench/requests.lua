-- Replays prepared requests for wrk, one per line of a file:
--   METHOD <tab> PATH <tab> CREDENTIALS <tab> BODY
-- CREDENTIALS: a bearer token, "-" for none, or "cookie:<name=value>|<csrf token>" for a
-- console page (its session cookie and the CSRF header htmx sends). BODY: JSON, "-" for
-- none, or "form:<urlencoded fields>" for a console form.
-- Usage: wrk ... -s bench/requests.lua URL -- FILE THREADS
-- Thread k sends lines k, k+THREADS, k+2*THREADS... in order, so no two threads send the
-- same line; a thread that runs out starts again and counts it in "wrapped" (for
-- check-ins that means repeats, which the runner reports). done() prints one JSON line.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  requests, statuses, nxt, wrapped = {}, {}, 0, 0
  local lines = {}
  for line in io.lines(file) do lines[#lines + 1] = line end
  for i, line in ipairs(lines) do
    -- A file shorter than the thread count (health: one line) is shared by every thread.
    if (i - 1) % nthreads == id or #lines < nthreads then
      local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Content-Type"] = "application/json" }
      local cookie, csrf = token:match("^cookie:([^|]*)|(.*)$")
      if cookie then
        headers["Cookie"], headers["X-CSRFToken"], headers["HX-Request"] = cookie, csrf, "true"
      elseif token ~= "-" then
        headers["Authorization"] = "Bearer " .. token
      end
      local form = body:match("^form:(.*)$")
      if form then
        headers["Content-Type"], body = "application/x-www-form-urlencoded", form
      elseif body == "-" then
        body = nil
      end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
end

function request()
  nxt = nxt + 1
  if nxt > #requests then
    nxt, wrapped = 1, wrapped + 1
  end
  return requests[nxt]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts, wraps = {}, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    wraps = wraps + thread:get("wrapped")
  end
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%d": %d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "p99": %.3f, '
      .. '"socket_errors": %d, "wrapped": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    e.connect + e.read + e.write + e.timeout, wraps, table.concat(parts, ", ")))
end
