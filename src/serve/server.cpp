// The HTTP server (serve/server.hpp) on cpp-httplib: routes, limits, a thread pool, JSON errors.
#include "inkstone/serve/server.hpp"

#include <httplib.h>

#include <cstdlib>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

struct Server::Impl {
  Recognizer& recognizer;
  ServeOptions options;
  httplib::Server http;
};

namespace {

void send(httplib::Response& res, const ApiResponse& a) {
  res.status = a.status;
  res.set_content(a.body, a.content_type.c_str());
}

const char* reason(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "no such endpoint: see GET / for the page, /v1/model, /v1/predict, /v1/read";
    case 405:
      return "method not allowed";
    case 413:
      return "the body is larger than the limit";
    case 414:
      return "the URI is too long";
    case 415:
      return "unsupported content type";
    default:
      return status >= 500 ? "internal error" : "request refused";
  }
}

}  // namespace

Server::Server(Recognizer& recognizer, ServeOptions options)
    : impl_(new Impl{recognizer, std::move(options), {}}) {
  Impl& s = *impl_;
  const int threads = std::max(1, s.options.threads);
  s.http.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  s.http.set_payload_max_length(s.options.max_body);
  s.http.set_read_timeout(s.options.timeout_s, 0);
  s.http.set_write_timeout(s.options.timeout_s, 0);
  s.http.set_keep_alive_max_count(100);
  s.http.set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let a second
  // server bind a port that is in use and silently share it.
  s.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
  });  // small JSON answers: no Nagle delay

  s.http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(web_page(), "text/html; charset=utf-8");
  });
  s.http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", "application/json");
  });
  s.http.Get("/v1/model", [&s](const httplib::Request&, httplib::Response& res) {
    res.set_content(s.recognizer.info().dump(), "application/json");
  });
  s.http.Post("/v1/predict", [&s](const httplib::Request& req, httplib::Response& res) {
    int top = 3;
    if (req.has_param("top")) {
      const std::string v = req.get_param_value("top");
      char* end = nullptr;
      const long t = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || t < 1 || t > 1000)
        return send(res, api_error(400, "top must be an integer in 1..1000"));
      top = static_cast<int>(t);
    }
    send(res,
         api_predict(s.recognizer, req.get_header_value("Content-Type"), req.body, top, s.options));
  });
  s.http.Post("/v1/read", [&s](const httplib::Request& req, httplib::Response& res) {
    const std::string b = req.has_param("boxes") ? req.get_param_value("boxes") : "0";
    if (b != "0" && b != "1" && b != "true" && b != "false")
      return send(res, api_error(400, "boxes must be 0, 1, true or false"));
    send(res, api_read(s.recognizer, req.get_header_value("Content-Type"), req.body,
                       b == "1" || b == "true", s.options));
  });
  // Errors without a body (unknown path, over-long body, ...) get a JSON one.
  s.http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) send(res, api_error(res.status, reason(res.status)));
  });
  s.http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        send(res, api_error(500, what));
      });
}

Server::~Server() {
  stop();
}

int Server::bind() {
  Impl& s = *impl_;
  int port = s.options.port;
  if (port == 0) {
    port = s.http.bind_to_any_port(s.options.host);
    if (port < 0) throw Error("serve: cannot bind to " + s.options.host);
  } else if (!s.http.bind_to_port(s.options.host, port)) {
    throw Error("serve: cannot listen on " + s.options.host + ":" + std::to_string(port) +
                " (is the port in use?)");
  }
  return port;
}

void Server::run() {
  impl_->http.listen_after_bind();
}

void Server::stop() {
  if (impl_ && impl_->http.is_running()) impl_->http.stop();
}

}  // namespace inkstone
