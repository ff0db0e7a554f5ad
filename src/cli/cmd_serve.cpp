// inkstone serve: the drawing page and the JSON API over HTTP (serve/server.hpp). SIGTERM and
// SIGINT stop it gracefully: requests in progress finish, then the process exits 0.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.hpp"
#include "inkstone/serve/server.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::cli {

namespace {

struct ServeCliOptions {
  std::string model_path;
  ServeOptions server;
  double max_body_mb = 2;
  int max_side = 4096;
};

void run_serve(ServeCliOptions o) {
  o.server.max_body = static_cast<size_t>(o.max_body_mb * 1024 * 1024);
  o.server.max_pixels = int64_t{o.max_side} * o.max_side;
  const std::unique_ptr<Recognizer> rec = Recognizer::load(o.model_path);
  // Block the stop signals in every thread (the pool's threads inherit the mask); one thread
  // waits for them and stops the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  Server server(*rec, o.server);
  const int port = server.bind();
  std::printf(
      "Serving %s (%d classes) on http://%s:%d/ with %d threads; POST /v1/predict, "
      "/v1/read, GET /v1/model, /healthz. Ctrl-C or SIGTERM stops.\n",
      o.model_path.c_str(), rec->classes(), o.server.host.c_str(), port, o.server.threads);
  std::fflush(stdout);
  std::thread watcher([&server, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::printf("Received %s: finishing requests in progress and stopping.\n",
                sig == SIGTERM ? "SIGTERM" : "SIGINT");
    std::fflush(stdout);
    server.stop();
  });
  server.run();
  watcher.join();
  std::printf("Stopped.\n");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve a model over HTTP: a page where you draw a digit or a number and see the reading "
      "live, and a JSON API.\nExample: inkstone serve model.inks --port 8080, then open "
      "http://127.0.0.1:8080/");
  cmd->footer(
      "API (docs/serving.md):\n"
      "  GET  /healthz      {\"status\": \"ok\"}\n"
      "  GET  /v1/model     name, input, classes, class_names, parameters, layers, dataset, "
      "test_accuracy\n"
      "  POST /v1/predict   image bytes (Content-Type image/png, image/jpeg, "
      "image/x-portable-graymap or application/octet-stream) or application/json "
      "{\"pixels\": [784 values in 0..1]}; ?top=K\n"
      "                     -> {label, class, confidence, top [{label, probability}], "
      "probabilities, ms}\n"
      "  POST /v1/read      image bytes of a digit string; ?boxes=1 for printed boxes -> "
      "{text, min_confidence, rows, digits [...], ms}\n"
      "Bad input gets 4xx and {\"error\": ...}: 400 malformed, 413 too large, 415 wrong content "
      "type, 422 no ink to read.");
  cmd->add_option("model", o->model_path, "Model file (.inks) of 28x28 grey images")->required();
  cmd->add_option("--host", o->server.host, "Address to listen on (0.0.0.0: all interfaces)")
      ->capture_default_str();
  cmd->add_option("--port", o->server.port, "Port (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--http-threads", o->server.threads, "Threads handling requests")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--max-body-mb", o->max_body_mb, "Largest request body, in MiB")
      ->check(CLI::Range(0.001, 1024.0))
      ->capture_default_str();
  cmd->add_option("--max-side", o->max_side,
                  "Images above max-side x max-side pixels are refused from their header")
      ->check(CLI::Range(28, 65536))
      ->capture_default_str();
  cmd->add_option("--timeout", o->server.timeout_s, "Read and write timeout per request, in s")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->callback([o] { run_serve(*o); });
}

}  // namespace inkstone::cli
