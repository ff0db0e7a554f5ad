// Callbacks and checkpoints: early stopping and reduce-on-plateau follow their rules, and a run
// interrupted after any epoch and resumed from its checkpoint ends bit-identical to an
// uninterrupted run (weights, BatchNorm statistics, optimizer moments, dropout generator).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "inkstone/io/model_file.hpp"
#include "inkstone/nn/loss.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/optim/optimizer.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"
#include "inkstone/train/callbacks.hpp"
#include "inkstone/train/checkpoint.hpp"
#include "inkstone/train/fit.hpp"

namespace inkstone {
namespace {

// 12x12 images; class k (of 3) is a bright bar in row 3k+2 plus noise.
Dataset bars(int n, uint64_t seed) {
  Dataset d;
  d.name = "bars";
  d.height = d.width = 12;
  d.num_classes = 3;
  Rng rng(seed);
  d.images.resize(static_cast<size_t>(n) * 144);
  for (int i = 0; i < n; ++i) {
    const int k = static_cast<int>(rng.below(3));
    d.labels.push_back(k);
    uint8_t* img = d.images.data() + static_cast<size_t>(i) * 144;
    for (int p = 0; p < 144; ++p) img[p] = static_cast<uint8_t>(rng.below(80));
    for (int c = 1; c < 11; ++c) img[(3 * k + 2) * 12 + c] = static_cast<uint8_t>(200);
  }
  return d;
}

// Conv + BatchNorm + Dropout + Dense: every kind of training state.
Sequential net(const std::string& optimizer = "adam") {
  nlohmann::json spec = {{"input_shape", {1, 12, 12}},
                         {"layers",
                          {{{"type", "Conv2D"}, {"filters", 4}, {"kernel_size", 3}},
                           {{"type", "BatchNormalization"}},
                           {{"type", "ReLU"}},
                           {{"type", "MaxPooling2D"}, {"pool_size", 2}},
                           {{"type", "Flatten"}},
                           {{"type", "Dropout"}, {"rate", 0.3}},
                           {{"type", "Dense"}, {"units", 3}, {"activation", "softmax"}}}}};
  Sequential m = model_from_spec(spec, 7);
  m.compile(make_optimizer(optimizer, 0.01f), make_loss("categorical_crossentropy"));
  return m;
}

std::vector<float> everything(Sequential& m) {
  std::vector<float> v;
  for (auto& [name, t] : named_tensors(m)) v.insert(v.end(), t->data(), t->data() + t->numel());
  for (auto& [name, t] : m.optimizer().state())
    v.insert(v.end(), t->data(), t->data() + t->numel());
  return v;
}

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::string(INKSTONE_TEST_TMP) + "/train-" + std::to_string(::getpid()) + "-" +
            info->name();
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Throws after epoch `at`, like a process killed right after writing that epoch's checkpoint.
struct Crash final : Callback {
  int at;
  explicit Crash(int e) : at(e) {}
  std::string name() const override { return "crash"; }
  void on_epoch_end(Sequential&, const EpochStats& s, FitControl&) override {
    if (s.epoch == at) throw std::runtime_error("crash");
  }
};

struct TrainingRun {
  std::unique_ptr<ReduceLrOnPlateau> plateau;
  std::unique_ptr<EarlyStopping> stopper;
  std::unique_ptr<Checkpointer> ckpt;
  std::vector<Callback*> list;
  FitOptions opt;
};

// The same options for every run of the resume test.
void setup(TrainingRun& r, const std::string& dir, const Dataset* validation) {
  r.plateau = std::make_unique<ReduceLrOnPlateau>("val_loss", 0.5, 1, 0.0);
  r.stopper = std::make_unique<EarlyStopping>("val_accuracy", 10, 0.0, true);
  r.ckpt = std::make_unique<Checkpointer>(
      dir, std::vector<Callback*>{r.plateau.get(), r.stopper.get()}, "val_loss");
  r.list = {r.plateau.get(), r.stopper.get(), r.ckpt.get()};
  r.opt.epochs = 5;
  r.opt.batch_size = 32;
  r.opt.seed = 3;
  r.opt.validation = validation;
  r.opt.augment = AugmentOptions::parse("shift=1,rotate=5");
  r.opt.lr_schedule = LrSchedule::parse("cosine:warmup=1");
  r.opt.callbacks = r.list;
}

TEST(Checkpoint, ResumeAfterAnyEpochIsBitIdentical) {
  const Dataset train = bars(300, 1), val = bars(90, 2);
  TempDir full_dir;
  Sequential full = net();
  TrainingRun a;
  setup(a, full_dir.path(), &val);
  fit(full, train, a.opt);
  const std::vector<float> want = everything(full);
  ASSERT_TRUE(std::filesystem::exists(Checkpointer::epoch_file(full_dir.path(), 5)));
  ASSERT_TRUE(std::filesystem::exists(full_dir.path() + "/best.inks"));

  for (int crash_after : {1, 3}) {
    TempDir dir;
    {
      Sequential m = net();
      TrainingRun b;
      setup(b, dir.path(), &val);
      Crash crash(crash_after);
      b.opt.callbacks.push_back(&crash);
      EXPECT_THROW(fit(m, train, b.opt), std::runtime_error);
    }
    Sequential m = net();
    TrainingRun c;
    setup(c, dir.path(), &val);
    const RestoredCheckpoint r =
        load_checkpoint(Checkpointer::epoch_file(dir.path(), crash_after), m, c.list);
    EXPECT_EQ(r.epochs_done, crash_after);
    c.opt.initial_epoch = r.epochs_done;
    const History h = fit(m, train, c.opt);
    EXPECT_EQ(h.epochs.size(), static_cast<size_t>(5 - crash_after));
    EXPECT_EQ(everything(m), want) << "resumed after epoch " << crash_after;
  }
}

TEST(Checkpoint, LoadsAsAModelAndRejectsMismatches) {
  const Dataset train = bars(100, 1);
  TempDir dir;
  Sequential m = net();
  FitOptions opt;
  opt.epochs = 1;
  fit(m, train, opt);
  const std::string path = dir.path() + "/c.inks";
  save_checkpoint(path, m, 1, {}, {{"note", "x"}});
  // A checkpoint is also a model file.
  Sequential as_model = load_model(path);
  EXPECT_EQ(as_model.count_params(), m.count_params());
  // Restoring into a model with another optimizer, or from a plain model file, fails clearly.
  Sequential sgd = net("sgd");
  EXPECT_THROW(load_checkpoint(path, sgd, {}), Error);
  save_model(m, dir.path() + "/plain.inks");
  Sequential other = net();
  try {
    load_checkpoint(dir.path() + "/plain.inks", other, {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a checkpoint"), std::string::npos);
  }
  // A callback the checkpoint has no state for.
  EarlyStopping es("loss", 2);
  EXPECT_THROW(load_checkpoint(path, other, {&es}), Error);
  EXPECT_EQ(load_checkpoint(path, other, {}).run.at("note"), "x");
}

EpochStats val_epoch(int epoch, double val_loss) {
  EpochStats s;
  s.epoch = epoch;
  s.has_validation = true;
  s.val_loss = val_loss;
  s.val_accuracy = 1 - val_loss;
  return s;
}

TEST(EarlyStopping, StopsAfterPatienceAndRestoresTheBestWeights) {
  Sequential m = net();
  Param* w = m.params().front();
  EarlyStopping es("val_loss", 2, 0.01, true);
  FitControl c;
  const double losses[] = {1.0, 0.8, 0.795, 0.9};  // 0.795 is not better by min_delta 0.01
  for (int e = 1; e <= 4 && !c.stop; ++e) {
    w->value[0] = static_cast<float>(e);  // marks the weights of each epoch
    es.on_epoch_end(m, val_epoch(e, losses[e - 1]), c);
    EXPECT_EQ(c.stop, e == 4) << e;
  }
  EXPECT_EQ(es.stopped_epoch(), 4);
  EXPECT_EQ(es.monitor().best_epoch(), 2);
  es.on_train_end(m);
  EXPECT_EQ(w->value[0], 2.0f);
  EpochStats no_val;
  EXPECT_THROW(es.on_epoch_end(m, no_val, c), Error);  // val_loss without validation
  EXPECT_THROW(EarlyStopping("val_los", 2), Error);
}

TEST(ReduceLrOnPlateau, ScalesTheRateAfterPatienceWithCooldown) {
  Sequential m = net();
  ReduceLrOnPlateau p("val_loss", 0.5, 2, 0.0, 1, 0.2);
  FitControl c;
  const double losses[] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  // As Keras: reductions at epochs 3, 5, 7 (the cooldown epoch after each resets the wait).
  const double want[] = {1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125};
  for (int e = 1; e <= 8; ++e) {
    p.on_epoch_end(m, val_epoch(e, losses[e - 1]), c);
    EXPECT_DOUBLE_EQ(p.lr_factor(), std::max(want[e - 1], 0.2)) << e;
  }
}

TEST(Fit, CallbacksScaleTheLearningRateAndStopTraining) {
  const Dataset train = bars(64, 1);
  Sequential m = net("sgd");
  ReduceLrOnPlateau p("loss", 0.5, 1, 10.0);  // min_delta 10: never an improvement after epoch 1
  EarlyStopping es("loss", 3, 10.0, false);
  FitOptions opt;
  opt.epochs = 10;
  opt.callbacks = {&p, &es};
  const History h = fit(m, train, opt);
  ASSERT_EQ(h.epochs.size(), 4u);  // stops after 3 epochs without improvement
  EXPECT_TRUE(h.stopped_early);
  EXPECT_FLOAT_EQ(static_cast<float>(h.epochs[0].lr), 0.01f);
  EXPECT_FLOAT_EQ(static_cast<float>(h.epochs[1].lr), 0.01f);
  EXPECT_FLOAT_EQ(static_cast<float>(h.epochs[2].lr), 0.005f);
  EXPECT_FLOAT_EQ(static_cast<float>(h.epochs[3].lr), 0.0025f);
  EXPECT_FLOAT_EQ(m.optimizer().lr(), 0.01f);  // the base rate is restored
}

TEST(Evaluate, ConfusionMatrixAndRecall) {
  const Dataset data = bars(90, 5);
  Sequential m = net();
  const EvalResult r = evaluate(m, data);
  ASSERT_EQ(r.classes, 3);
  int64_t sum = 0, diag = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      sum += r.confusion[static_cast<size_t>(i * 3 + j)];
      if (i == j) diag += r.confusion[static_cast<size_t>(i * 3 + j)];
    }
  EXPECT_EQ(sum, 90);
  EXPECT_EQ(diag, r.correct);
  const std::vector<double> recall = r.recall();
  ASSERT_EQ(recall.size(), 3u);
  for (double v : recall) EXPECT_TRUE(v >= 0 && v <= 1);
}

}  // namespace
}  // namespace inkstone
