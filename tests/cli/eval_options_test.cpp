// `inkstone eval --weights-from`, `--classes` and `--domain-shift` (and `train`/`finetune
// --domain-shift`) on a tiny generated dataset a CNN learns in one epoch: one bright vertical bar
// per image, its column set by the class. Loading a fine-tuned model's features under a base
// model's head changes the accuracy and reports exactly which tensors came from where; a class
// subset is relabelled as training did; a domain shift changes the figures, deterministically and
// identically in training and evaluation; bad specs get one clear error line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_run.hpp"
#include "cli/tiny_mnist.hpp"
#include "inkstone/io/model_file.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

// Writes n raw IDX images and labels: class c (= index % 10) is a vertical bar two pixels wide at
// columns 4+2c and 5+2c with a random top, bottom and brightness, over sparse random noise.
void write_bars(const fs::path& dir, const std::string& prefix, uint32_t n, uint64_t seed) {
  fs::create_directories(dir);
  uint64_t state = seed;
  const auto next = [&state] {  // splitmix64
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  std::ofstream images(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary);
  std::ofstream labels(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary);
  for (uint32_t v : {0x803u, n, 28u, 28u}) testing::put_u32(images, v);
  for (uint32_t v : {0x801u, n}) testing::put_u32(labels, v);
  for (uint32_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % 10);
    std::vector<char> px(28 * 28, 0);
    for (char& p : px)
      if (next() % 100 < 8) p = static_cast<char>(next() % 80);
    const int top = 3 + static_cast<int>(next() % 6), bottom = 19 + static_cast<int>(next() % 6);
    const char ink = static_cast<char>(200 + next() % 56);
    for (int y = top; y <= bottom; ++y)
      for (int x = 4 + 2 * c; x <= 5 + 2 * c; ++x) px[static_cast<size_t>(y * 28 + x)] = ink;
    images.write(px.data(), static_cast<std::streamsize>(px.size()));
    labels.put(static_cast<char>(c));
  }
}

struct Fixture {
  std::string tag, data;       // data: " --no-download --data DIR"
  fs::path base, tuned;        // seed-cnn on classes 0-4; fine-tuned (every layer) on 5-9, new head
  double tuned_accuracy = -1;  // finetune's own test accuracy (on classes 5-9)
};

fs::path tmp(const std::string& name) {
  return fs::path(INKSTONE_TEST_TMP) / name;
}

const Fixture& fixture() {
  static const Fixture f = [] {
    // Per process: ctest runs the tests of this file in parallel processes.
    Fixture x;
    x.tag = "evopt_" + std::to_string(::getpid());
    const fs::path root = tmp("cli_data_" + x.tag);
    fs::remove_all(root);
    write_bars(root / "mnist", "train", 400, 1);
    write_bars(root / "mnist", "t10k", 200, 2);
    x.data = " --no-download --data " + root.string();
    x.base = tmp(x.tag + "_base.inks");
    x.tuned = tmp(x.tag + "_tuned.inks");
    auto r = run_cli("train --model seed-cnn --classes 0-4 --epochs 2 --batch-size 16 --save " +
                     x.base.string() + x.data);
    EXPECT_EQ(r.code, 0) << r.err;
    r = run_cli("finetune --from " + x.base.string() +
                " --classes 5-9 --new-head 5 --epochs 1 --batch-size 16 --lr 0.003 --json --save " +
                x.tuned.string() + x.data);
    EXPECT_EQ(r.code, 0) << r.err;
    if (r.code == 0) x.tuned_accuracy = nlohmann::json::parse(r.out)["test_accuracy"];
    return x;
  }();
  return f;
}

nlohmann::json eval_json(const fs::path& model, const std::string& extra) {
  const auto r = run_cli("eval " + model.string() + fixture().data + " --json " + extra);
  EXPECT_EQ(r.code, 0) << extra << ": " << r.err;
  return r.code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
}

void expect_one_line_error(const testing::CliResult& r, const std::string& needle) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(testing::count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

using Names = std::vector<std::string>;

TEST(EvalOptionsCli, WeightsFromFineTunedModelLoadsItsFeaturesUnderTheBaseHead) {
  const Fixture& f = fixture();
  const nlohmann::json plain = eval_json(f.base, "--classes 0-4");
  const nlohmann::json mixed =
      eval_json(f.base, "--classes 0-4 --weights-from " + f.tuned.string());
  ASSERT_TRUE(mixed.contains("weights_from")) << mixed.dump();
  EXPECT_FALSE(plain.contains("weights_from"));
  const nlohmann::json& w = mixed["weights_from"];
  EXPECT_EQ(w["path"], f.tuned.string());
  EXPECT_EQ(w["loaded"].get<Names>(),
            (Names{"conv2d/kernel", "conv2d/bias", "conv2d_1/kernel", "conv2d_1/bias",
                   "conv2d_2/kernel", "conv2d_2/bias", "dense/kernel", "dense/bias"}));
  EXPECT_EQ(w["kept"].get<Names>(), (Names{"dense_1/kernel", "dense_1/bias"}));  // the base's head
  EXPECT_EQ(w["skipped"].size(), 0u);
  EXPECT_EQ(mixed["count"], plain["count"]);
  // Fine-tuning every layer on other classes moved the features: the base's head reads them
  // differently (forgetting).
  EXPECT_NE(mixed["accuracy"].get<double>(), plain["accuracy"].get<double>());
  EXPECT_NE(mixed["loss"].get<double>(), plain["loss"].get<double>());
  EXPECT_GE(plain["accuracy"].get<double>(), 0.9) << "the base model should learn the bars";

  // The text output says the same in one line per kept tensor.
  const auto r = run_cli("eval " + f.base.string() + f.data + " --classes 0-4 --weights-from " +
                         f.tuned.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Weights from " + f.tuned.string() +
                       ": loaded 8 tensors, skipped 0, newly initialized 2, unused in the file 2"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("initialized dense_1/kernel"), std::string::npos) << r.out;
}

TEST(EvalOptionsCli, WeightsFromTheModelItselfChangesNothing) {
  const Fixture& f = fixture();
  const nlohmann::json plain = eval_json(f.base, "--classes 0-4");
  const nlohmann::json same = eval_json(f.base, "--classes 0-4 --weights-from " + f.base.string());
  EXPECT_EQ(same["weights_from"]["loaded"].size(), 10u);
  EXPECT_EQ(same["weights_from"]["kept"].size(), 0u);
  EXPECT_EQ(same["accuracy"].get<double>(), plain["accuracy"].get<double>());
  EXPECT_EQ(same["loss"].get<double>(), plain["loss"].get<double>());
  EXPECT_EQ(same["confusion"], plain["confusion"]);
}

TEST(EvalOptionsCli, WeightsFromSkipsTensorsOfAnotherShape) {
  const Fixture& f = fixture();
  // An MLP's dense layers share the CNN's names but not its shapes: nothing is loaded.
  const fs::path mlp = tmp(f.tag + "_mlp.inks");
  const auto r =
      run_cli("train --model mlp --epochs 1 --train-limit 50 --save " + mlp.string() + f.data);
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json plain = eval_json(f.base, "--classes 0-4");
  const nlohmann::json j = eval_json(f.base, "--classes 0-4 --weights-from " + mlp.string());
  const nlohmann::json& w = j["weights_from"];
  EXPECT_EQ(w["loaded"].size(), 0u);
  ASSERT_EQ(w["skipped"].size(), 4u) << w.dump();
  EXPECT_EQ(w["skipped"][0],
            "dense/kernel: shape (784, 128) in " + mlp.string() + ", (576, 64) in the model")
      << w.dump();
  EXPECT_EQ(w["skipped"][3].get<std::string>().rfind("dense_1/bias: shape (10,) in ", 0), 0u)
      << w.dump();
  EXPECT_EQ(w["kept"].size(), 6u);  // the convolutions
  EXPECT_EQ(j["accuracy"].get<double>(), plain["accuracy"].get<double>());
  EXPECT_EQ(j["loss"].get<double>(), plain["loss"].get<double>());

  const fs::path text = tmp(f.tag + "_not_a_model.txt");
  std::ofstream(text) << "not a model\n";
  expect_one_line_error(run_cli("eval " + f.base.string() + f.data +
                                " --classes 0-4 --weights-from " + text.string()),
                        text.string());
  EXPECT_EQ(run_cli("eval " + f.base.string() + f.data + " --weights-from /no/such.inks").code, 2);
}

TEST(EvalOptionsCli, ClassesSelectAndRelabelTheTestSet) {
  const Fixture& f = fixture();
  // 200 test images, 20 per class: 100 in classes 0-4, 100 in 5-9.
  const nlohmann::json j = eval_json(f.base, "--classes 0-4");
  EXPECT_EQ(j["count"], 100);
  ASSERT_EQ(j["per_class"].size(), 5u);
  for (const auto& c : j["per_class"]) EXPECT_EQ(c["support"], 20);
  // The fine-tuned model's classes 5-9 are its labels 0-4: eval reproduces finetune's figure.
  const nlohmann::json t = eval_json(f.tuned, "--classes 5-9");
  EXPECT_EQ(t["count"], 100);
  EXPECT_NEAR(t["accuracy"].get<double>(), f.tuned_accuracy, 1e-12);
  EXPECT_EQ(eval_json(f.tuned, "--classes 5-9 --limit 30")["count"], 30);

  expect_one_line_error(run_cli("eval " + f.base.string() + f.data),
                        "predicts 5 classes but mnist/test has 10");
  expect_one_line_error(run_cli("eval " + f.base.string() + f.data + " --classes 0-3"),
                        "predicts 5 classes but mnist/test");
  expect_one_line_error(run_cli("eval " + f.base.string() + f.data + " --classes 3-12"),
                        "classes are 0..9");
}

TEST(EvalOptionsCli, DomainShiftOnEvalChangesTheFiguresDeterministically) {
  const Fixture& f = fixture();
  const nlohmann::json clean = eval_json(f.base, "--classes 0-4");
  const nlohmann::json a = eval_json(f.base, "--classes 0-4 --domain-shift thick=2,rotate=25");
  const nlohmann::json b = eval_json(f.base, "--classes 0-4 --domain-shift thick=2,rotate=25");
  EXPECT_EQ(a["count"], 100);
  EXPECT_LT(a["accuracy"].get<double>(), clean["accuracy"].get<double>() - 0.1);
  EXPECT_EQ(a["accuracy"].get<double>(), b["accuracy"].get<double>());
  EXPECT_EQ(a["loss"].get<double>(), b["loss"].get<double>());
  EXPECT_EQ(a["confusion"], b["confusion"]);
  // Another shift is another domain.
  const nlohmann::json c = eval_json(f.base, "--classes 0-4 --domain-shift rotate=25");
  EXPECT_NE(c["loss"].get<double>(), a["loss"].get<double>());
  // The text output names the shift.
  const auto r = run_cli("eval " + f.base.string() + f.data +
                         " --classes 0-4 --limit 20 --domain-shift thick=2,rotate=25");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("shifted: thick=2,rotate=25"), std::string::npos) << r.out;
}

TEST(EvalOptionsCli, TrainingWithDomainShiftRecordsItAndEvalReproducesIt) {
  const Fixture& f = fixture();
  const std::string shift = "thick=1,rotate=15";
  const fs::path model = tmp(f.tag + "_shifted.inks"), log = tmp(f.tag + "_shifted.jsonl");
  fs::remove(log);
  const std::string train =
      "train --model seed-cnn --classes 0-4 --epochs 1 --batch-size 16 --json" + f.data;
  const auto r = run_cli(train + " --domain-shift " + shift + " --log " + log.string() +
                         " --save " + model.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json trained = nlohmann::json::parse(r.out);
  // The configuration (first line of --log, and the model's metadata) records the shift.
  const std::string log_text = testing::read_text(log.string());
  const nlohmann::json first = nlohmann::json::parse(log_text.substr(0, log_text.find('\n')));
  EXPECT_EQ(first["config"]["domain_shift"], shift) << log_text;
  nlohmann::json meta;
  load_model(model.string(), &meta);
  EXPECT_EQ(meta["training"]["domain_shift"], shift);
  // Training shifted its test set as eval --domain-shift does (seed 1): the same figures.
  const nlohmann::json shifted = eval_json(model, "--classes 0-4 --domain-shift " + shift);
  EXPECT_NEAR(shifted["accuracy"].get<double>(), trained["test_accuracy"].get<double>(), 1e-12);
  EXPECT_NEAR(shifted["loss"].get<double>(), trained["test_loss"].get<double>(), 1e-6);
  const nlohmann::json clean = eval_json(model, "--classes 0-4");
  EXPECT_GT(std::abs(clean["loss"].get<double>() - shifted["loss"].get<double>()), 1e-3);
  // ... and its training images: the same run without the shift trains another model.
  const fs::path plain_model = tmp(f.tag + "_unshifted.inks");
  ASSERT_EQ(run_cli(train + " --save " + plain_model.string()).code, 0);
  EXPECT_GT(std::abs(eval_json(plain_model, "--classes 0-4")["loss"].get<double>() -
                     clean["loss"].get<double>()),
            1e-3);
  // finetune takes it too.
  const auto ft =
      run_cli("finetune --from " + f.base.string() +
              " --classes 0-4 --epochs 1 --train-limit 50 --domain-shift " + shift + f.data);
  ASSERT_EQ(ft.code, 0) << ft.err;
  EXPECT_NE(ft.out.find("shifted: " + shift), std::string::npos) << ft.out;
}

TEST(EvalOptionsCli, BadDomainShiftGetsOneClearLine) {
  const Fixture& f = fixture();
  const std::string eval = "eval " + f.base.string() + f.data + " --classes 0-4 --domain-shift ";
  const std::string train =
      "train --model mlp --epochs 1 --train-limit 20" + f.data + " --domain-shift ";
  const std::string finetune = "finetune --from " + f.base.string() +
                               " --classes 0-4 --epochs 1 --train-limit 20" + f.data +
                               " --domain-shift ";
  for (const std::string& cmd : {eval, train, finetune}) {
    expect_one_line_error(run_cli(cmd + "thick"), "'thick' is not KIND=STRENGTH");
    expect_one_line_error(run_cli(cmd + "sepia=1"), "unknown corruption 'sepia'");
    expect_one_line_error(run_cli(cmd + "rotate=x"), "'rotate=x' is not KIND=STRENGTH");
    expect_one_line_error(run_cli(cmd + "rotate=-5"), "finite number >= 0");
    expect_one_line_error(run_cli(cmd + "thick=1,,rotate=5"), "'' is not KIND=STRENGTH");
  }
}

}  // namespace
}  // namespace inkstone
