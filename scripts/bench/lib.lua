-- Helpers shared by the wrk scripts of scripts/bench.sh (LuaJIT, wrk 4.x).
-- Loaded with dofile() by load.lua and storm.lua, once in wrk's main Lua
-- state (setup/done) and once in each thread's state (init/request/response).

local lib = {}

-- Lines of a plain-text file (empty lines skipped). Fails loudly: a missing
-- input file would otherwise turn into a run of empty requests.
function lib.read_lines(path)
   local lines = {}
   local f, err = io.open(path, "r")
   if not f then
      error("bench: cannot open " .. tostring(path) .. ": " .. tostring(err))
   end
   for line in f:lines() do
      line = line:gsub("\r$", "")
      if line ~= "" then
         lines[#lines + 1] = line
      end
   end
   f:close()
   return lines
end

-- A required environment variable.
function lib.env(name, default)
   local v = os.getenv(name)
   if v == nil or v == "" then
      if default ~= nil then
         return default
      end
      error("bench: environment variable " .. name .. " is not set")
   end
   return v
end

-- Optional file of lines named by an environment variable (nil if unset).
function lib.env_lines(name)
   local path = os.getenv(name)
   if path == nil or path == "" then
      return nil
   end
   local lines = lib.read_lines(path)
   if #lines == 0 then
      error("bench: " .. path .. " (" .. name .. ") is empty")
   end
   return lines
end

local escapes = {
   ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
   ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
}

function lib.json_string(s)
   s = tostring(s):gsub('[%c"\\]', function(c)
      return escapes[c] or string.format("\\u%04x", c:byte())
   end)
   return '"' .. s .. '"'
end

-- Minimal JSON encoder: numbers, strings, booleans, nil, arrays and
-- string-keyed tables (keys sorted, so the output is stable).
function lib.json(v)
   local t = type(v)
   if t == "nil" then
      return "null"
   elseif t == "boolean" then
      return v and "true" or "false"
   elseif t == "number" then
      if v ~= v or v == math.huge or v == -math.huge then
         return "null"
      end
      if v == math.floor(v) and math.abs(v) < 1e15 then
         return string.format("%d", v)
      end
      return string.format("%.6g", v)
   elseif t == "string" then
      return lib.json_string(v)
   elseif t == "table" then
      if #v > 0 then
         local parts = {}
         for i = 1, #v do
            parts[i] = lib.json(v[i])
         end
         return "[" .. table.concat(parts, ",") .. "]"
      end
      local keys = {}
      for k in pairs(v) do
         keys[#keys + 1] = tostring(k)
      end
      table.sort(keys)
      local parts = {}
      for _, k in ipairs(keys) do
         local val = v[k]
         if val == nil then
            val = v[tonumber(k)]
         end
         parts[#parts + 1] = lib.json_string(k) .. ":" .. lib.json(val)
      end
      return "{" .. table.concat(parts, ",") .. "}"
   end
   return lib.json_string(tostring(v))
end

-- Per-thread bookkeeping of responses, kept in globals so that the main
-- state can read them with thread:get() in done().
function lib.init_counters()
   status_counts = {}   -- "200" -> n
   non2xx = 0
   sample_error = nil   -- first non-2xx: status and the start of its body
end

function lib.count(status, body)
   local key = tostring(status)
   status_counts[key] = (status_counts[key] or 0) + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if sample_error == nil then
         sample_error = key .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

-- The summary line printed by done(): one JSON object after the marker.
function lib.report(threads, summary, latency, extra)
   local counts, bad, sample = {}, 0, nil
   for _, t in ipairs(threads) do
      local c = t:get("status_counts") or {}
      for k, n in pairs(c) do
         counts[k] = (counts[k] or 0) + n
      end
      bad = bad + (t:get("non2xx") or 0)
      sample = sample or t:get("sample_error")
   end
   local e = summary.errors
   local socket = e.connect + e.read + e.write + e.timeout
   local secs = summary.duration / 1e6
   local ms = function(us) return us / 1000.0 end
   local out = {
      duration_s = secs,
      requests = summary.requests,
      bytes = summary.bytes,
      rps = summary.requests / secs,
      latency_ms = {
         min = ms(latency.min), max = ms(latency.max),
         mean = ms(latency.mean), stdev = ms(latency.stdev),
         p50 = ms(latency:percentile(50)), p90 = ms(latency:percentile(90)),
         p99 = ms(latency:percentile(99)), p999 = ms(latency:percentile(99.9)),
      },
      non2xx = bad,
      socket_errors = {
         connect = e.connect, read = e.read, write = e.write, timeout = e.timeout,
      },
      errors = bad + socket,
      status_counts = counts,
      sample_error = sample,
   }
   if summary.requests == 0 then
      out.latency_ms = nil
   end
   for k, v in pairs(extra or {}) do
      out[k] = v
   end
   io.write("BENCH_RESULT ", lib.json(out), "\n")
end

return lib
