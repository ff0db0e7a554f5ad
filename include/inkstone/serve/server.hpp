#pragma once
// The HTTP server of `inkstone serve`: a page where a person draws a digit or a number and sees
// the reading live, and a JSON API (docs/serving.md):
//   GET  /             the drawing page
//   GET  /healthz      {"status": "ok"}
//   GET  /v1/model     the model: name, input, classes, parameters, layers, training facts
//   POST /v1/predict   one character: image bytes (PNG, JPEG, PGM/PPM; any size, normalized as
//                      MNIST was made) or JSON {"pixels": [28*28 values in 0..1]} (a model input,
//                      light ink on black); ?top=K
//   POST /v1/read      a digit string in image bytes; ?boxes=1 for a form of printed boxes
// Bad input gets a 4xx status and {"error": "..."}; requests run on a thread pool.
#include <cstddef>
#include <memory>
#include <string>

#include "inkstone/serve/recognizer.hpp"

namespace inkstone {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                            // 0: any free port
  int threads = 8;                            // request-handling threads
  size_t max_body = size_t{2} << 20;          // bytes; larger bodies get 413
  int64_t max_pixels = int64_t{4096} * 4096;  // larger images get 413, refused from their header
  int timeout_s = 10;                         // read and write timeouts per request
};

// One API answer, before HTTP: status, JSON body.
struct ApiResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// The API handlers without sockets (the server calls these; tests call them directly).
ApiResponse api_predict(Recognizer& r, const std::string& content_type, const std::string& body,
                        int top, const ServeOptions& options);
ApiResponse api_read(Recognizer& r, const std::string& content_type, const std::string& body,
                     bool boxes, const ServeOptions& options);
ApiResponse api_error(int status, const std::string& message);
// The drawing page (self-contained HTML, CSS and JavaScript).
const std::string& web_page();

class Server {
 public:
  Server(Recognizer& recognizer, ServeOptions options);
  ~Server();
  // Binds the listening socket; returns the port (useful with port 0). Throws Error when the
  // address is taken or invalid.
  int bind();
  // Serves until stop() is called (from any thread or a signal-watching thread).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inkstone
