// inkstone bench serve: starts the server in this process on 127.0.0.1 (any free port) and
// loads it with concurrent clients over real sockets: latency percentiles, throughput, errors.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "inkstone/serve/load_test.hpp"
#include "inkstone/serve/server.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::cli {

namespace {

struct BenchServeOptions {
  std::string model_path, image_path;
  std::string endpoint = "predict";
  int requests = 2000, clients = 8, http_threads = 8;
  bool json = false;
};

void run_bench_serve(const BenchServeOptions& o) {
  std::ifstream in(o.image_path, std::ios::binary);
  if (!in) throw Error(o.image_path + ": cannot open");
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::unique_ptr<Recognizer> rec = Recognizer::load(o.model_path);
  ServeOptions so;
  so.port = 0;
  so.threads = o.http_threads;
  Server server(*rec, so);
  const int port = server.bind();
  std::thread serving([&server] { server.run(); });
  const std::string path = "/v1/" + o.endpoint;
  LoadTestResult r;
  try {
    r = run_load_test("127.0.0.1", port, path, "application/octet-stream", body, o.requests,
                      o.clients);
  } catch (...) {
    server.stop();
    serving.join();
    throw;
  }
  server.stop();
  serving.join();
  nlohmann::json statuses = nlohmann::json::object();
  for (const auto& [s, n] : r.statuses) statuses[std::to_string(s)] = n;
  if (o.json) {
    std::printf("%s\n",
                nlohmann::json{
                    {"model", o.model_path},
                    {"image", o.image_path},
                    {"endpoint", path},
                    {"requests", r.requests},
                    {"clients", o.clients},
                    {"http_threads", o.http_threads},
                    {"errors", r.errors},
                    {"statuses", statuses},
                    {"seconds", r.seconds},
                    {"requests_per_s", r.requests_per_s},
                    {"latency_ms",
                     {{"p50", r.p50_ms}, {"p90", r.p90_ms}, {"p99", r.p99_ms}, {"max", r.max_ms}}}}
                    .dump(2)
                    .c_str());
  } else {
    std::printf("POST %s x %lld from %d clients (%d server threads), 127.0.0.1:%d\n", path.c_str(),
                static_cast<long long>(r.requests), o.clients, o.http_threads, port);
    std::printf("  errors      %lld  (statuses: %s)\n", static_cast<long long>(r.errors),
                statuses.dump().c_str());
    std::printf("  throughput  %.0f requests/s over %.2f s\n", r.requests_per_s, r.seconds);
    std::printf("  latency     p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n", r.p50_ms,
                r.p90_ms, r.p99_ms, r.max_ms);
  }
  if (r.errors > 0) throw Error(std::to_string(r.errors) + " requests failed");
}

}  // namespace

void add_bench_serve_command(CLI::App& bench) {
  auto o = std::make_shared<BenchServeOptions>();
  CLI::App* cmd = bench.add_subcommand(
      "serve",
      "Load-test the HTTP server: start it in this process on 127.0.0.1 and send --requests "
      "POSTs of IMAGE from --clients concurrent keep-alive connections; prints errors, "
      "throughput and latency percentiles (exit 1 if any request failed).\nExample: inkstone "
      "bench serve model.inks digit.png --requests 2000 --clients 8");
  cmd->add_option("model", o->model_path, "Model file (.inks)")->required();
  cmd->add_option("image", o->image_path, "Image sent with every request")->required();
  cmd->add_option("--endpoint", o->endpoint, "predict or read")
      ->check(CLI::IsMember({"predict", "read"}))
      ->capture_default_str();
  cmd->add_option("--requests", o->requests, "Requests in all")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  cmd->add_option("--clients", o->clients, "Concurrent clients")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--http-threads", o->http_threads, "Server threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print the results as JSON");
  cmd->callback([o] { run_bench_serve(*o); });
}

}  // namespace inkstone::cli
