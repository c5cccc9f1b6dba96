-- Check-in storm for wrk: every token (one learner each) is sent exactly
-- once, all at once, with the same body (the current check-in code).
--
-- wrk keeps every connection busy for the whole duration, so requests past
-- each thread's share are parked with delay() (an hour) and the thread
-- stops itself once all of its share has been answered. Run it with
-- -c <number of tokens> -t <threads>: every connection then sends one
-- check-in, and the storm is as concurrent as the token count.
--
-- Environment: BENCH_LUA_DIR, BENCH_PATHS (first line is used),
-- BENCH_TOKENS, BENCH_BODIES (first line is used), BENCH_THREADS.
-- done() prints BENCH_RESULT {json} with, besides the usual numbers,
-- sent/answered counts and how many were created (201) or already there (200).

local lib = dofile(os.getenv("BENCH_LUA_DIR") .. "/lib.lua")

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("thread_id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local reqs

function init(args)
   local path = lib.env_lines("BENCH_PATHS")[1]
   local tokens = lib.env_lines("BENCH_TOKENS")
   local body = lib.env_lines("BENCH_BODIES")[1]
   local nthreads = tonumber(lib.env("BENCH_THREADS", "1"))
   local share = math.ceil(#tokens / nthreads)
   local first = thread_id * share + 1
   local last = math.min(#tokens, first + share - 1)
   reqs = {}
   for k = first, last do
      reqs[#reqs + 1] = wrk.format("POST", path, {
         ["Accept"] = "application/json",
         ["Content-Type"] = "application/json",
         ["Authorization"] = "Bearer " .. tokens[k],
      }, body)
   end
   admitted = 0
   sent = 0
   answered = 0
   lib.init_counters()
end

function delay()
   admitted = admitted + 1
   if admitted > #reqs then
      return 3600000
   end
   return 0
end

function request()
   -- wrk calls request() once on the first thread before the run, only to
   -- check the request (pipelining); no delay() came before that call, so
   -- it must not use up a learner. Every real request follows a delay().
   if admitted == 0 then
      return reqs[1]
   end
   sent = sent + 1
   -- Only admitted requests get here; the guard keeps a surplus call
   -- (should wrk ever make one) a repeat of the last check-in (a 200).
   return reqs[math.min(sent, #reqs)]
end

function response(status, headers, body)
   lib.count(status, body)
   answered = answered + 1
   if answered >= #reqs then
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local s, a = 0, 0
   for _, t in ipairs(threads) do
      s = s + (t:get("sent") or 0)
      a = a + (t:get("answered") or 0)
   end
   lib.report(threads, summary, latency, { sent = s, answered = a })
end
