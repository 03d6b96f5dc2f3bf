-- wrk script for `cargo xtask bench`. Every request is unique: its own Idempotency-Key and its own
-- candidate email (a counter per thread, the thread's id and a tag per run), so no request is a
-- replay and the sandbox never answers "email has already been taken".
--
-- Environment:
--   BENCH_MODE   hire        POST /api/v1/hires (the backend)
--                employment  POST /v1/employments (straight to the sandbox, or through nginx)
--                magic       POST /v1/magic-link (straight to the sandbox)
--                get         GET of the URL as given (e.g. /api/v1/connection)
--   BENCH_AUTH   the bearer token (a site token for the backend, an access token for the sandbox)
--   BENCH_TAG    makes keys and emails unique across runs
--   BENCH_DATE   provisional start date (YYYY-MM-DD, in the future)
--   BENCH_USER   Remote user id for magic links
--
-- done() prints tab-separated `bench <key> <value>` lines (latencies in microseconds).

local mode = os.getenv("BENCH_MODE") or "get"
local auth = os.getenv("BENCH_AUTH") or ""
local tag = os.getenv("BENCH_TAG") or "run"
local date = os.getenv("BENCH_DATE") or "2030-01-15"
local user = os.getenv("BENCH_USER") or ""

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   wrk.headers["Authorization"] = "Bearer " .. auth
   if mode ~= "get" then
      wrk.method = "POST"
      wrk.headers["Content-Type"] = "application/json"
   end
   if mode == "magic" then
      wrk.body = string.format('{"user_id":"%s","path":"/dashboard"}', user)
   end
end

function request()
   if mode == "get" or mode == "magic" then
      return wrk.format()
   end
   counter = counter + 1
   local key = string.format("%s-%d-%d", tag, id, counter)
   local email = key .. "@bench.example"
   local body
   if mode == "hire" then
      wrk.headers["Idempotency-Key"] = key
      body = string.format(
         '{"full_name":"Bench %s","job_title":"Engineer","personal_email":"%s","provisional_start_date":"%s","country_code":"PT"}',
         key, email, date)
   else
      body = string.format(
         '{"country_code":"PRT","type":"employee","external_id":"%s","basic_information":{"name":"Bench %s","email":"%s","job_title":"Engineer","provisional_start_date":"%s","has_seniority_date":"no"}}',
         key, key, email, date)
   end
   return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("bench\trequests\t%d\n", summary.requests))
   io.write(string.format("bench\tduration_us\t%d\n", summary.duration))
   io.write(string.format("bench\terrors_status\t%d\n", e.status))
   io.write(string.format("bench\terrors_socket\t%d\n", e.connect + e.read + e.write + e.timeout))
   io.write(string.format("bench\tmean_us\t%f\n", latency.mean))
   io.write(string.format("bench\tmax_us\t%d\n", latency.max))
   for _, p in ipairs({ 50, 90, 99, 99.9 }) do
      io.write(string.format("bench\tp%s_us\t%d\n", tostring(p), latency:percentile(p)))
   end
end
