-- Duration-based scenario for wrk: rotates through paths, bearer tokens and
-- bodies read from plain-text files (one item a line), pre-formatting every
-- request in init() so that request() is a table lookup.
--
-- Environment (set by scripts/bench.sh):
--   BENCH_LUA_DIR   folder of this script (to load lib.lua)
--   BENCH_METHOD    GET (default), POST, PUT…
--   BENCH_PATHS     file of request paths (required)
--   BENCH_TOKENS    file of access tokens (optional: no Authorization header)
--   BENCH_BODIES    file of JSON bodies, one a line (optional)
--   BENCH_THREADS   wrk's -t, to spread the threads' starting points
--
-- Every response is counted by status; anything outside 2xx is an error.
-- done() prints one line: BENCH_RESULT {json}.

local lib = dofile(os.getenv("BENCH_LUA_DIR") .. "/lib.lua")

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("thread_id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local reqs, n, i

function init(args)
   local method = lib.env("BENCH_METHOD", "GET")
   local paths = lib.env_lines("BENCH_PATHS") or error("bench: BENCH_PATHS not set")
   local tokens = lib.env_lines("BENCH_TOKENS")
   local bodies = lib.env_lines("BENCH_BODIES")
   local nthreads = tonumber(lib.env("BENCH_THREADS", "1"))

   n = math.max(#paths, tokens and #tokens or 1, bodies and #bodies or 1)
   reqs = {}
   for k = 0, n - 1 do
      local headers = { ["Accept"] = "application/json" }
      if tokens then
         headers["Authorization"] = "Bearer " .. tokens[k % #tokens + 1]
      end
      local body = nil
      if bodies then
         body = bodies[k % #bodies + 1]
         headers["Content-Type"] = "application/json"
      end
      reqs[k] = wrk.format(method, paths[k % #paths + 1], headers, body)
   end
   -- Threads start at different points of the rotation.
   i = math.floor((thread_id or 0) * n / nthreads)
   lib.init_counters()
end

function request()
   local r = reqs[i % n]
   i = i + 1
   return r
end

function response(status, headers, body)
   lib.count(status, body)
end

function done(summary, latency, requests)
   lib.report(threads, summary, latency, nil)
end
