package io.imgcdn.bench.load;

import java.nio.file.Path;

/**
 * A Lua script that makes wrk [1] replay a trace file, so load figures can be cross-checked with a
 * tool nobody here wrote. Optionally counts {@code X-Cache} verdicts per tier and prints them when
 * done.
 */
public final class WrkScript {

  /*
   * wrk runs one Lua state per thread. Each thread reads the trace file in init() and thread t of T
   * sends requests t, t + T, t + 2T, ... so together they replay the trace in order (interleaved),
   * wrapping around at its end. T is baked into the script: run wrk with exactly that many threads
   * (the script checks it in setup() and stops wrk otherwise).
   *
   * Counting X-Cache needs a response() callback, which makes wrk hand every response to Lua and costs
   * throughput; it is off unless asked for. wrk runs for a duration (-d); it has no request budget.
   * The done() callback prints one "imgcdn-wrk:" line with requests, bytes, errors and latency
   * percentiles in microseconds, and one "imgcdn-wrk-tier:" line per tier and verdict.
   *
   * [1] https://github.com/wg/wrk (Debian package wrk 4.1, LuaJIT).
   */

  private WrkScript() {}

  /**
   * The script for {@code traceFile} and {@code threads} wrk threads.
   *
   * @param countXCache whether to count X-Cache verdicts (slower)
   */
  public static String lua(Path traceFile, int threads, boolean countXCache) {
    if (threads <= 0) {
      throw new IllegalArgumentException("threads: " + threads + " (expected: > 0)");
    }
    String file = traceFile.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"");
    return """
    -- imgcdn-bench: replays %1$s with wrk; generated, do not edit.
    -- Run with exactly %2$d thread(s): wrk -t%2$d -c<connections> -d<seconds>s --latency -s <this script> <target>
    local trace_file = "%1$s"
    local thread_count = %2$d
    local count_x_cache = %3$s
    local threads = {}

    function setup(thread)
      thread:set("thread_index", #threads)
      table.insert(threads, thread)
      if #threads > thread_count then
        error("this script was generated for " .. thread_count .. " wrk thread(s); run wrk with -t" .. thread_count)
      end
    end

    local paths = {}
    local next_index = 0
    verdicts = {}

    function init(args)
      for line in io.lines(trace_file) do
        local path = line:match("^(/%%S*)%%s+%%d+%%s*$")
        if path then
          paths[#paths + 1] = path
        end
      end
      if #paths == 0 then
        error("no requests in " .. trace_file)
      end
      next_index = thread_index
    end

    function request()
      local path = paths[(next_index %% #paths) + 1]
      next_index = next_index + thread_count
      return wrk.format("GET", path)
    end

    if count_x_cache then
      function response(status, headers, body)
        for name, value in pairs(headers) do
          if name:lower() == "x-cache" then
            for node, verdict in value:gmatch("([^,;%%s]+)%%s*;%%s*(%%a+)") do
              local tier = node:gsub("%%-%%d+$", "")
              local key = tier .. " " .. verdict:lower()
              verdicts[key] = (verdicts[key] or 0) + 1
            end
          end
        end
      end
    end

    function done(summary, latency, requests)
      local e = summary.errors
      io.write(string.format("imgcdn-wrk: requests=%%d bytes=%%d duration_us=%%d connect=%%d read=%%d write=%%d status=%%d timeout=%%d p50_us=%%d p90_us=%%d p99_us=%%d p99.9_us=%%d max_us=%%d\\n",
        summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
      local total = {}
      for _, thread in ipairs(threads) do
        local v = thread:get("verdicts")
        if v then
          for key, n in pairs(v) do
            total[key] = (total[key] or 0) + n
          end
        end
      end
      local keys = {}
      for key in pairs(total) do
        keys[#keys + 1] = key
      end
      table.sort(keys)
      for _, key in ipairs(keys) do
        io.write("imgcdn-wrk-tier: " .. key .. " " .. total[key] .. "\\n")
      end
    end
    """
        .formatted(file, threads, countXCache ? "true" : "false");
  }
}
