#pragma once
// A load generator for the server: `clients` threads, each with its own keep-alive connection,
// send `requests` POSTs in all and time each one (`inkstone bench serve`, tests).
#include <cstdint>
#include <map>
#include <string>

namespace inkstone {

struct LoadTestResult {
  int64_t requests = 0;
  int64_t errors = 0;               // no response, or a status other than 200
  std::map<int, int64_t> statuses;  // status -> count (0: no response)
  double seconds = 0;               // wall time of the whole run
  double requests_per_s = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;  // per-request latency
};

LoadTestResult run_load_test(const std::string& host, int port, const std::string& path,
                             const std::string& content_type, const std::string& body, int requests,
                             int clients);

}  // namespace inkstone
