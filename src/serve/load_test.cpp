#include "inkstone/serve/load_test.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

LoadTestResult run_load_test(const std::string& host, int port, const std::string& path,
                             const std::string& content_type, const std::string& body, int requests,
                             int clients) {
  if (requests < 1 || clients < 1) throw Error("load test: requests and clients must be >= 1");
  using Clock = std::chrono::steady_clock;
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  std::vector<std::map<int, int64_t>> statuses(static_cast<size_t>(clients));
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    // Client c sends requests c, c + clients, c + 2 clients, ...
    threads.emplace_back([&, c] {
      httplib::Client client(host, port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_connection_timeout(10, 0);
      client.set_read_timeout(30, 0);
      for (int i = c; i < requests; i += clients) {
        const auto t0 = Clock::now();
        const httplib::Result res = client.Post(path.c_str(), body, content_type.c_str());
        latencies[static_cast<size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        ++statuses[static_cast<size_t>(c)][res ? res->status : 0];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  LoadTestResult r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  for (const auto& m : statuses)
    for (const auto& [status, n] : m) {
      r.statuses[status] += n;
      if (status != 200) r.errors += n;
    }
  std::sort(all.begin(), all.end());
  r.requests = static_cast<int64_t>(all.size());
  auto pct = [&all](double q) {
    return all[std::min(all.size() - 1, static_cast<size_t>(q * static_cast<double>(all.size())))];
  };
  r.p50_ms = pct(0.5);
  r.p90_ms = pct(0.9);
  r.p99_ms = pct(0.99);
  r.max_ms = all.back();
  r.requests_per_s = static_cast<double>(r.requests) / r.seconds;
  return r;
}

}  // namespace inkstone
