// The JSON API of `inkstone serve` as plain functions (serve/server.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "inkstone/data/image.hpp"
#include "inkstone/data/mnist_style.hpp"
#include "inkstone/serve/server.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/vision/reading_json.hpp"

namespace inkstone {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The media type without parameters, lower case: "image/png; x=y" -> "image/png".
std::string media_type(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  t.erase(std::remove_if(t.begin(), t.end(), [](char c) { return c == ' ' || c == '\t'; }),
          t.end());
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  return t;
}

bool is_image_type(const std::string& t) {
  return t == "image/png" || t == "image/jpeg" || t == "image/jpg" ||
         t == "image/x-portable-graymap" || t == "image/x-portable-pixmap" ||
         t == "image/x-portable-anymap" || t == "application/octet-stream";
}

// Decodes image bytes: 413 when the header claims more than max_pixels, 400 for anything else
// that is not an image.
bool decode_body(const std::string& body, const ServeOptions& o, Image& out, ApiResponse& error) {
  if (body.empty()) {
    error = api_error(400, "empty body: send the image's bytes");
    return false;
  }
  try {
    out = decode_image(reinterpret_cast<const uint8_t*>(body.data()), body.size(), o.max_pixels);
    return true;
  } catch (const Error& e) {
    const std::string what = e.what();
    const bool too_large = what.find("too large") != std::string::npos ||
                           what.find("exceeds") != std::string::npos ||
                           what.find("limit") != std::string::npos;
    error = api_error(too_large ? 413 : 400, what);
    return false;
  }
}

nlohmann::json prediction_json(const Recognizer& r, const float* p, int top) {
  const int k = r.classes();
  std::vector<int> order(static_cast<size_t>(k));
  for (int c = 0; c < k; ++c) order[static_cast<size_t>(c)] = c;
  std::stable_sort(order.begin(), order.end(), [p](int a, int b) { return p[a] > p[b]; });
  nlohmann::json ranked = nlohmann::json::array();
  for (int i = 0; i < std::min(top, k); ++i) {
    const int c = order[static_cast<size_t>(i)];
    ranked.push_back({{"label", r.class_names()[static_cast<size_t>(c)]}, {"probability", p[c]}});
  }
  const int best = order[0];
  return {{"label", r.class_names()[static_cast<size_t>(best)]},
          {"class", best},
          {"confidence", p[best]},
          {"top", ranked},
          {"probabilities", std::vector<float>(p, p + k)}};
}

}  // namespace

ApiResponse api_error(int status, const std::string& message) {
  return {status, nlohmann::json{{"error", message}, {"status", status}}.dump()};
}

ApiResponse api_predict(Recognizer& r, const std::string& content_type, const std::string& body,
                        int top, const ServeOptions& o) {
  const auto start = Clock::now();
  const std::string type = media_type(content_type);
  const int s = r.input_size();
  Image input;
  if (type == "application/json") {
    if (body.empty()) return api_error(400, "empty body: send {\"pixels\": [...]}");
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) return api_error(400, "the body is not valid JSON");
    const nlohmann::json* px = &j;
    if (j.is_object()) {
      if (!j.contains("pixels")) return api_error(400, "expected {\"pixels\": [...]}");
      px = &j["pixels"];
    }
    if (!px->is_array() || px->size() != static_cast<size_t>(s) * static_cast<size_t>(s))
      return api_error(400, "\"pixels\" must be an array of " + std::to_string(s * s) +
                                " numbers in [0, 1] (a " + std::to_string(s) + "x" +
                                std::to_string(s) + " image, light ink on black)");
    input = Image(s, s, 1, 0);
    for (size_t i = 0; i < px->size(); ++i) {
      const nlohmann::json& v = (*px)[i];
      if (!v.is_number()) return api_error(400, "pixel " + std::to_string(i) + " is not a number");
      const double x = v.get<double>();
      if (!std::isfinite(x) || x < 0 || x > 1)
        return api_error(400, "pixel " + std::to_string(i) + " is outside [0, 1]");
      input.pixels[i] = static_cast<uint8_t>(std::lround(x * 255));
    }
  } else if (is_image_type(type)) {
    Image img;
    ApiResponse error;
    if (!decode_body(body, o, img, error)) return error;
    try {
      input = mnist_style(img, r.reader_options().normalize);
    } catch (const Error& e) {
      return api_error(422, e.what());
    }
  } else {
    return api_error(415, "unsupported content type '" + content_type +
                              "': send image/png, image/jpeg, image/x-portable-graymap, "
                              "application/octet-stream or application/json");
  }
  const std::vector<float> p = r.classify({input});
  nlohmann::json out = prediction_json(r, p.data(), std::clamp(top, 1, r.classes()));
  out["ms"] = ms_since(start);
  return {200, out.dump()};
}

ApiResponse api_read(Recognizer& r, const std::string& content_type, const std::string& body,
                     bool boxes, const ServeOptions& o) {
  const auto start = Clock::now();
  const std::string type = media_type(content_type);
  if (!is_image_type(type))
    return api_error(415, "unsupported content type '" + content_type +
                              "': send the image's bytes (image/png, image/jpeg, "
                              "image/x-portable-graymap or application/octet-stream)");
  Image img;
  ApiResponse error;
  if (!decode_body(body, o, img, error)) return error;
  ReaderOptions ro = r.reader_options();
  ro.max_pixels = o.max_pixels;
  try {
    const Reading reading =
        boxes ? read_boxes(img, r.classifier(), ro) : read_digit_string(img, r.classifier(), ro);
    nlohmann::json out = reading_to_json(reading, r.class_names());
    out["ms"] = ms_since(start);
    return {200, out.dump()};
  } catch (const Error& e) {
    return api_error(422, e.what());
  }
}

}  // namespace inkstone
