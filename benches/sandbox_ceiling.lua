-- wrk script for benches/sandbox_ceiling.sh: every request POSTs a declaration
-- with a reference of its own (thread number and counter), with the bearer
-- token and dates the shell script passes in the environment.
local token = os.getenv("BENCH_TOKEN")
local start_date = os.getenv("BENCH_START")
local end_date = os.getenv("BENCH_END")
local run = os.getenv("BENCH_RUN") or "run"

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

local counter = 0
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. (token or ""),
}

function request()
  counter = counter + 1
  local reference = string.format("BENCH-%s-%d-%d", run, thread_id, counter)
  local body = '{"externalReference":"' .. reference .. '",'
    .. '"employer":{"enterpriseNumber":"0403170701"},'
    .. '"worker":{"ssin":"85073003328"},'
    .. '"training":{"name":"Excel voor gevorderden","type":"FORMAL",'
    .. '"startDate":"' .. start_date .. '","endDate":"' .. end_date .. '",'
    .. '"duration":{"value":14,"unit":"HOURS"},"followed":true,'
    .. '"countsForFla":true,"jointCommittee":"200"}}'
  return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    "WRK requests=%d duration_us=%d non2xx=%d connect_errors=%d read_errors=%d timeouts=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
