-- wrk script: cycle through request paths read from the file named by WRK_PATHS (one per line).
local paths = {}
local counter = 0

init = function(args)
  for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

done = function(summary, latency, requests)
  io.write(string.format("WRKJSON {\"requests\": %d, \"seconds\": %.3f, \"errors\": %d, \"p50\": %.3f, \"p95\": %.3f, \"p99\": %.3f}\n",
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
