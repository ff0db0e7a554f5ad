#include "inkstone/serve/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <zlib.h>

#include <cstring>
#include <thread>

#include "inkstone/nn/spec.hpp"
#include "inkstone/serve/load_test.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

std::unique_ptr<Recognizer> tiny_recognizer() {
  nlohmann::json meta = {{"dataset", "mnist"}, {"test_accuracy", 0.5}};
  return std::make_unique<Recognizer>(model_from_spec(preset_spec("mlp")), Normalization{}, meta,
                                      "mlp.inks");
}

// A 120 x 120 PNG of a dark bar on white: something with ink.
std::string digit_png() {
  Image img(120, 120, 1, 240);
  for (int y = 20; y < 100; ++y)
    for (int x = 55; x < 65; ++x) *img.at(x, y) = 20;
  const std::vector<uint8_t> png = encode_png(img);
  return {png.begin(), png.end()};
}

// A valid PNG whose header claims 100000 x 100000 pixels (CRC fixed up).
std::string huge_png() {
  std::vector<uint8_t> png = encode_png(Image(4, 4, 1, 0));
  const uint8_t dims[8] = {0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0};
  std::memcpy(png.data() + 16, dims, 8);
  const uLong crc = crc32(crc32(0, nullptr, 0), png.data() + 12, 17);
  for (int k = 0; k < 4; ++k)
    png[static_cast<size_t>(29 + k)] = static_cast<uint8_t>(crc >> (24 - 8 * k));
  return {png.begin(), png.end()};
}

std::string pixels_json(size_t n, const std::string& value = "0.5") {
  std::string s = "{\"pixels\": [";
  for (size_t i = 0; i < n; ++i) s += (i ? "," : "") + value;
  return s + "]}";
}

TEST(ServeApi, PredictImageAndPixels) {
  auto r = tiny_recognizer();
  const ServeOptions o;
  ApiResponse a = api_predict(*r, "image/png", digit_png(), 3, o);
  ASSERT_EQ(a.status, 200) << a.body;
  nlohmann::json j = nlohmann::json::parse(a.body);
  EXPECT_EQ(j["top"].size(), 3u);
  EXPECT_EQ(j["probabilities"].size(), 10u);
  EXPECT_NEAR(
      j["probabilities"].get<std::vector<double>>()[static_cast<size_t>(j["class"].get<int>())],
      j["confidence"].get<double>(), 1e-6);
  a = api_predict(*r, "application/json; charset=utf-8", pixels_json(784), 5, o);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(nlohmann::json::parse(a.body)["top"].size(), 5u);
  std::string bare = pixels_json(784);
  bare = bare.substr(bare.find('['), bare.rfind(']') - bare.find('[') + 1);
  EXPECT_EQ(api_predict(*r, "application/json", bare, 3, o).status, 200);
}

TEST(ServeApi, BadInputGets4xxWithAMessage) {
  auto r = tiny_recognizer();
  const ServeOptions o;
  auto status = [&](const std::string& type, const std::string& body) {
    const ApiResponse a = api_predict(*r, type, body, 3, o);
    const nlohmann::json j = nlohmann::json::parse(a.body);
    EXPECT_TRUE(j.contains("error")) << a.body;
    return a.status;
  };
  EXPECT_EQ(status("image/png", ""), 400);                       // empty body
  EXPECT_EQ(status("image/png", "\x89PNG garbage bytes"), 400);  // garbage
  EXPECT_EQ(status("application/octet-stream", "hello"), 400);
  EXPECT_EQ(status("image/png", huge_png()), 413);  // 100000 x 100000, refused from the header
  EXPECT_EQ(status("text/plain", digit_png()), 415);
  EXPECT_EQ(status("", digit_png()), 415);
  EXPECT_EQ(status("application/json", "{\"pixels\": [0.1, 0.2"), 400);  // truncated JSON
  EXPECT_EQ(status("application/json", ""), 400);
  EXPECT_EQ(status("application/json", pixels_json(783)), 400);         // wrong length
  EXPECT_EQ(status("application/json", pixels_json(784, "1.5")), 400);  // out of range
  EXPECT_EQ(status("application/json", pixels_json(784, "\"x\"")), 400);
  EXPECT_EQ(status("application/json", "{\"pix\": []}"), 400);
  const std::vector<uint8_t> blank = encode_png(Image(100, 100, 1, 255));
  EXPECT_EQ(status("image/png", std::string(blank.begin(), blank.end())), 422);  // no ink
  EXPECT_EQ(api_read(*r, "application/json", "{}", false, o).status, 415);
  EXPECT_EQ(api_read(*r, "image/png", "", false, o).status, 400);
  EXPECT_EQ(api_read(*r, "image/png", digit_png(), true, o).status, 422);  // no boxes in it
  EXPECT_EQ(api_read(*r, "image/png", digit_png(), false, o).status, 200);
}

TEST(ServeApi, ModelInfoAndPage) {
  auto r = tiny_recognizer();
  EXPECT_EQ(r->info()["name"], "mlp.inks");
  EXPECT_EQ(r->info()["parameters"], 101770);
  EXPECT_EQ(r->info()["test_accuracy"], 0.5);
  EXPECT_EQ(r->info()["class_names"].size(), 10u);
  EXPECT_NE(web_page().find("<canvas id=\"pad\""), std::string::npos);
  EXPECT_NE(web_page().find("/v1/predict"), std::string::npos);
  // A model that does not take square grey images cannot read.
  EXPECT_THROW(Recognizer(model_from_spec(preset_spec("mlp", Shape{784}, 10)), Normalization{},
                          nlohmann::json::object(), "flat"),
               Error);
}

TEST(Ensemble, AveragesTheMembersProbabilitiesAndRefusesMismatches) {
  const auto member = [](uint64_t seed) {
    return std::make_unique<Recognizer>(model_from_spec(preset_spec("mlp"), seed), Normalization{},
                                        nlohmann::json::object(), "seed" + std::to_string(seed));
  };
  auto a = member(1), b = member(2);
  Image x(28, 28, 1);
  for (size_t i = 0; i < x.pixels.size(); ++i) x.pixels[i] = static_cast<uint8_t>(i * 7 % 256);
  const std::vector<Image> in = {x, Image(28, 28, 1)};
  const std::vector<float> pa = a->classify(in), pb = b->classify(in);
  const std::vector<float> mean = averaged_classifier({a.get(), b.get()})(in);
  ASSERT_EQ(mean.size(), 20u);
  bool members_differ = false;
  for (size_t i = 0; i < mean.size(); ++i) {
    EXPECT_NEAR(mean[i], (pa[i] + pb[i]) / 2, 1e-6f) << i;
    members_differ = members_differ || std::abs(pa[i] - pb[i]) > 1e-3f;
  }
  EXPECT_TRUE(members_differ);  // else the test would not tell averaging from copying
  EXPECT_EQ(averaged_classifier({a.get()})(in), pa);
  // Another class list (or input size) cannot be averaged with these.
  auto other = std::make_unique<Recognizer>(model_from_spec(preset_spec("mlp", {1, 28, 28}, 11)),
                                            Normalization{}, nlohmann::json::object(), "eleven");
  EXPECT_THROW(averaged_classifier({a.get(), other.get()}), Error);
  EXPECT_THROW(averaged_classifier({}), Error);
}

TEST(Recognizer, TunedReaderOptionsKeepTheirTuningAndTakeTheModelsFacts) {
  nlohmann::json meta = {
      {"class_names", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "none"}}};
  Recognizer r(model_from_spec(preset_spec("mlp", {1, 32, 32}, 11)), Normalization{}, meta, "m");
  ReaderOptions tuned;
  tuned.width_sd = 0.7;
  tuned.digit_width = 0.55;
  tuned.expected_digits = 5;
  tuned.normalize.low_fraction = 0.8;
  tuned.classes = 3;  // wrong facts about the model are replaced
  tuned.normalize.size = 28;
  const ReaderOptions o = r.reader_options(tuned);
  EXPECT_EQ(o.width_sd, 0.7);
  EXPECT_EQ(o.digit_width, 0.55);
  EXPECT_EQ(o.expected_digits, 5);
  EXPECT_EQ(o.normalize.low_fraction, 0.8);
  EXPECT_EQ(o.classes, 11);
  EXPECT_EQ(o.class_names.size(), 11u);
  EXPECT_EQ(o.reject_class, 10);
  EXPECT_EQ(o.normalize.size, 32);
  EXPECT_EQ(o.normalize.box, 32 * 20 / 28);
  EXPECT_EQ(r.reader_options().width_sd, ReaderOptions{}.width_sd);  // its own stay untuned
}

// The server over real sockets: routes, limits, bad requests, and that it stays up under load.
TEST(Server, ServesAndSurvivesBadRequestsAndLoad) {
  auto r = tiny_recognizer();
  ServeOptions o;
  o.port = 0;
  o.threads = 4;
  o.max_body = 64 * 1024;
  Server server(*r, o);
  const int port = server.bind();
  ASSERT_GT(port, 0);
  std::thread serving([&] { server.run(); });
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  for (int i = 0; i < 100 && !c.Get("/healthz"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto res = c.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(nlohmann::json::parse(res->body)["status"], "ok");
  res = c.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/html"), std::string::npos);
  res = c.Get("/v1/model");
  ASSERT_TRUE(res);
  EXPECT_EQ(nlohmann::json::parse(res->body)["classes"], 10);
  res = c.Get("/nowhere");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_TRUE(nlohmann::json::parse(res->body).contains("error"));
  auto post = [&](const std::string& path, const std::string& body, const std::string& type) {
    auto p = c.Post(path.c_str(), body, type.c_str());
    return p ? p->status : -1;
  };
  EXPECT_EQ(post("/v1/predict", digit_png(), "image/png"), 200);
  EXPECT_EQ(post("/v1/predict", "", "image/png"), 400);
  EXPECT_EQ(post("/v1/predict", "garbage", "image/png"), 400);
  EXPECT_EQ(post("/v1/predict", huge_png(), "image/png"), 413);
  EXPECT_EQ(post("/v1/predict", std::string(100 * 1024, 'x'), "image/png"), 413);  // > max_body
  EXPECT_EQ(post("/v1/predict", digit_png(), "text/plain"), 415);
  EXPECT_EQ(post("/v1/predict", "{\"pixels\": [1,", "application/json"), 400);
  EXPECT_EQ(post("/v1/predict?top=0", digit_png(), "image/png"), 400);
  EXPECT_EQ(post("/v1/read?boxes=maybe", digit_png(), "image/png"), 400);
  EXPECT_EQ(post("/v1/read", digit_png(), "image/png"), 200);
  res = c.Get("/healthz");  // still up
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  // 2,000 requests from 8 concurrent clients: no errors.
  const LoadTestResult load =
      run_load_test("127.0.0.1", port, "/v1/predict", "image/png", digit_png(), 2000, 8);
  EXPECT_EQ(load.requests, 2000);
  EXPECT_EQ(load.errors, 0);
  EXPECT_EQ(load.statuses.at(200), 2000);
  EXPECT_LE(load.p50_ms, load.p99_ms);
  server.stop();
  serving.join();
}

TEST(Server, BindFailsClearlyWhenThePortIsTaken) {
  auto r = tiny_recognizer();
  ServeOptions o;
  o.port = 0;
  Server a(*r, o);
  o.port = a.bind();
  Server b(*r, o);
  EXPECT_THROW(b.bind(), Error);
}

}  // namespace
}  // namespace inkstone
