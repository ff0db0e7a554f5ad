// inkstone bench: end-to-end speed of a model on a real dataset — training s/epoch and images/s,
// inference images/s at batch 1, 64 and 1000, batch-1 latency percentiles and peak memory.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "cli/progress.hpp"
#include "inkstone/data/loader.hpp"
#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/nn/loss.hpp"
#include "inkstone/optim/optimizer.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/train/fit.hpp"

namespace inkstone::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The tutorial's recipe, as `inkstone train` runs it by default.
constexpr uint64_t kSeed = 1;
constexpr float kLearningRate = 0.001f;
// Inference: the batch sizes measured; each throughput figure is the median of kRuns timed runs
// of at least infer_seconds / kRuns seconds and kMinCallsPerRun forward passes each.
constexpr int kInferBatches[] = {1, 64, 1000};
constexpr int kRuns = 5;
constexpr int kMinCallsPerRun = 2;
constexpr int kWarmupCalls = 2;
// Latency: single-image forward passes timed one by one after a warm-up.
constexpr int kLatencyWarmup = 50;
constexpr int kLatencyMinCalls = 1000;

struct BenchOptions {
  std::string model = "seed-cnn";
  std::string dataset = "mnist";
  std::string data_dir;
  bool no_download = false;
  int epochs = 1;
  int batch_size = 64;
  int64_t train_images = 0;  // 0: the whole training set
  double infer_seconds = 2.0;
  bool json = false;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Nearest-rank percentile of sorted values: the smallest value with at least p% of the values
// at or below it.
double percentile(const std::vector<double>& sorted, double p) {
  const size_t n = sorted.size();
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
  rank = std::clamp<size_t>(rank, 1, n);
  return sorted[rank - 1];
}

// Feeds batches of `batch` images taken in order from a pool of scaled test images, wrapping
// around at the end (so any batch size works with any test-set size).
class BatchFeeder {
 public:
  BatchFeeder(const Tensor& pool, int batch)
      : pool_(pool), count_(pool.dim(0)), row_(pool.numel() / pool.dim(0)) {
    x_.resize(pool.shape().without_batch().with_batch(batch));
  }
  const Tensor& next() {
    const int64_t b = x_.dim(0);
    for (int64_t i = 0; i < b;) {
      const int64_t take = std::min(b - i, count_ - cursor_);
      std::memcpy(x_.data() + i * row_, pool_.data() + cursor_ * row_,
                  sizeof(float) * static_cast<size_t>(take * row_));
      i += take;
      cursor_ = (cursor_ + take) % count_;
    }
    return x_;
  }

 private:
  const Tensor& pool_;
  int64_t count_ = 0, row_ = 0, cursor_ = 0;
  Tensor x_;
};

// Images per second of forward passes in inference mode at one batch size.
double inference_throughput(Sequential& model, const Tensor& pool, int batch, double seconds) {
  BatchFeeder feed(pool, batch);
  for (int i = 0; i < kWarmupCalls; ++i) model.forward(feed.next(), Mode::kInfer);
  const double run_seconds = seconds / kRuns;
  std::vector<double> rates;
  for (int r = 0; r < kRuns; ++r) {
    const auto t0 = Clock::now();
    int64_t calls = 0;
    double elapsed = 0;
    while (calls < kMinCallsPerRun || elapsed < run_seconds) {
      model.forward(feed.next(), Mode::kInfer);
      ++calls;
      elapsed = seconds_since(t0);
    }
    rates.push_back(static_cast<double>(calls * batch) / elapsed);
  }
  return median(rates);
}

struct Latency {
  double p50_us = 0, p99_us = 0;
  int64_t calls = 0;
};

// Single-image forward passes timed one by one: at least kLatencyMinCalls of them and at least
// `seconds` in all.
Latency batch1_latency(Sequential& model, const Tensor& pool, double seconds) {
  BatchFeeder feed(pool, 1);
  for (int i = 0; i < kLatencyWarmup; ++i) model.forward(feed.next(), Mode::kInfer);
  std::vector<double> us;
  us.reserve(kLatencyMinCalls);
  double total = 0;
  while (static_cast<int64_t>(us.size()) < kLatencyMinCalls || total < seconds) {
    const Tensor& x = feed.next();
    const auto t0 = Clock::now();
    model.forward(x, Mode::kInfer);
    const double s = seconds_since(t0);
    total += s;
    us.push_back(s * 1e6);
  }
  std::sort(us.begin(), us.end());
  Latency l;
  l.p50_us = percentile(us, 50);
  l.p99_us = percentile(us, 99);
  l.calls = static_cast<int64_t>(us.size());
  return l;
}

// Peak resident set size of this process so far, in MiB (Linux reports ru_maxrss in KiB).
double peak_rss_mib() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void print_row(const char* label, const std::string& value) {
  std::printf("  %-26s %s\n", label, value.c_str());
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

void run_bench(const BenchOptions& o) {
  const auto load_t0 = Clock::now();
  DatasetSplits data = load_splits(o.dataset, o.data_dir, !o.no_download);
  const double data_load_s = seconds_since(load_t0);
  Dataset& train = data.train;
  const Dataset& test = data.test;
  if (o.train_images > 0) {
    if (o.train_images > train.size()) {
      throw Error("--train-images " + std::to_string(o.train_images) + ": " + train.name +
                  " has only " + std::to_string(train.size()) + " images");
    }
    train.images.resize(static_cast<size_t>(o.train_images * train.image_bytes()));
    train.labels.resize(static_cast<size_t>(o.train_images));
  }
  if (test.size() == 0) throw Error(test.name + ": no test images to measure inference on");

  Sequential model = model_from_argument(o.model, Shape{train.channels, train.height, train.width},
                                         train.num_classes, kSeed);
  model.compile(make_optimizer("adam", kLearningRate), make_loss("categorical_crossentropy"));
  const int threads = kernels::num_threads();
  const char* isa = kernels::isa_name(kernels::active_isa());

  if (!o.json) {
    std::printf("Benchmark: %s (%s parameters), %s\n", o.model.c_str(),
                with_commas(model.count_params()).c_str(), isa_and_threads().c_str());
    std::printf("Dataset: %s\n", data.note.c_str());
    std::printf("Training: %s images, %d %s, batch %d, adam lr %g, seed %llu, no validation\n",
                with_commas(train.size()).c_str(), o.epochs, o.epochs == 1 ? "epoch" : "epochs",
                o.batch_size, static_cast<double>(kLearningRate),
                static_cast<unsigned long long>(kSeed));
    std::fflush(stdout);
  }

  // (1) Training.
  FitOptions fit_options;
  fit_options.epochs = o.epochs;
  fit_options.batch_size = o.batch_size;
  fit_options.seed = kSeed;
  EpochPrinter printer(!o.json && stdout_is_tty());
  if (!o.json) {
    fit_options.on_batch = [&](const BatchProgress& p) { printer.on_batch(p); };
    fit_options.on_epoch = [&](const EpochStats& s) { printer.on_epoch(s); };
  }
  const History history = fit(model, train, fit_options);
  std::vector<double> epoch_s;
  for (const EpochStats& s : history.epochs) epoch_s.push_back(s.seconds);
  const double epoch_s_median = median(epoch_s);
  const double train_img_s =
      epoch_s_median > 0 ? static_cast<double>(train.size()) / epoch_s_median : 0;
  const EvalResult result = evaluate(model, test, 1000, fit_options.normalization);
  const double rss_training = peak_rss_mib();  // data, training and the test evaluation

  // (2) Inference throughput and (3) batch-1 latency, on the scaled test images.
  if (!o.json) {
    std::printf("Measuring inference (%g s per batch size, then batch-1 latency)...\n",
                o.infer_seconds);
    std::fflush(stdout);
  }
  Tensor pool;
  {
    BatchLoader loader(test, static_cast<int>(test.size()), /*shuffle=*/false, kSeed,
                       fit_options.normalization);
    std::vector<int32_t> labels;
    loader.start_epoch(0);
    loader.next(pool, labels);
  }
  std::vector<double> infer_img_s;
  for (int b : kInferBatches) {
    infer_img_s.push_back(inference_throughput(model, pool, b, o.infer_seconds));
  }
  const Latency latency = batch1_latency(model, pool, o.infer_seconds);

  // (4) Peak memory of the whole run (the inference section adds its float copy of the test set).
  const double rss = peak_rss_mib();

  if (o.json) {
    nlohmann::json j;
    j["model"] = o.model;
    j["parameters"] = model.count_params();
    j["dataset"] = o.dataset;
    j["data_note"] = data.note;
    j["threads"] = threads;
    j["isa"] = isa;
    j["epochs"] = o.epochs;
    j["batch_size"] = o.batch_size;
    j["train_images"] = train.size();
    j["test_images"] = test.size();
    j["data_load_s"] = data_load_s;
    j["epoch_s"] = epoch_s;
    j["epoch_s_median"] = epoch_s_median;
    j["train_img_s"] = train_img_s;
    j["test_accuracy"] = result.accuracy;
    j["infer_seconds"] = o.infer_seconds;
    nlohmann::json infer = nlohmann::json::object();
    for (size_t i = 0; i < infer_img_s.size(); ++i) {
      infer[std::to_string(kInferBatches[i])] = infer_img_s[i];
    }
    j["infer_img_s"] = infer;
    j["latency_us"] = {{"p50", latency.p50_us}, {"p99", latency.p99_us}, {"calls", latency.calls}};
    j["peak_rss_mb"] = rss;
    j["peak_rss_training_mb"] = rss_training;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::string epochs_list;
  for (double s : epoch_s) epochs_list += (epochs_list.empty() ? "" : ", ") + fmt("%.2f", s);
  std::printf("Results (%s):\n", isa_and_threads().c_str());
  print_row("data load", fmt("%.2f s", data_load_s));
  print_row("training s/epoch (median)", fmt("%.2f s", epoch_s_median) + " [" + epochs_list + "]");
  print_row("training images/s", fmt("%.0f", train_img_s));
  print_row("test accuracy", fmt("%.4f", result.accuracy));
  for (size_t i = 0; i < infer_img_s.size(); ++i) {
    const std::string label = "inference batch " + std::to_string(kInferBatches[i]);
    print_row(label.c_str(), fmt("%.0f images/s", infer_img_s[i]));
  }
  print_row("latency batch 1 p50", fmt("%.1f us", latency.p50_us));
  print_row("latency batch 1 p99",
            fmt("%.1f us", latency.p99_us) + " (" + with_commas(latency.calls) + " calls)");
  print_row("peak RSS (training)", fmt("%.1f MiB", rss_training));
  print_row("peak RSS (whole run)", fmt("%.1f MiB", rss));
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Measure training and inference speed of a model on a real dataset (default: seed-cnn on "
      "MNIST).");
  cmd->footer(
      "What is measured:\n"
      "  data load      seconds to read the dataset (download included if one happens)\n"
      "  training       --epochs epochs over the training set (or its first --train-images\n"
      "                 images) with the tutorial's recipe: Adam lr 0.001, seed 1, shuffled\n"
      "                 batches of --batch-size, no validation; s/epoch is the median epoch\n"
      "                 wall time, images/s = training images / median s/epoch. The test\n"
      "                 accuracy of the trained model is printed to show the work was real.\n"
      "  inference      forward passes in inference mode (logits, no softmax) on batches of\n"
      "                 1, 64 and 1000 test images, cycling through the test set; images/s is\n"
      "                 the median of 5 timed runs that together last at least --infer-seconds\n"
      "                 (and at least 2 forward passes each), after a warm-up.\n"
      "  latency        single-image forward passes timed one by one after 50 warm-up calls:\n"
      "                 at least 1000 calls and --infer-seconds; p50 and p99 in microseconds.\n"
      "  peak RSS       the process's peak resident memory (getrusage), in MiB: after training\n"
      "                 and the test evaluation, and for the whole run.\n"
      "Threads come from the global option: inkstone --threads 2 bench ...\n"
      "Examples:\n"
      "  inkstone bench                              # seed-cnn, one full MNIST epoch\n"
      "  inkstone bench --train-images 6400 --json   # a quick run, machine-readable\n"
      "--json prints one object: model, parameters, dataset, threads, isa, epochs, batch_size,\n"
      "train_images, test_images, data_load_s, epoch_s [per epoch], epoch_s_median, train_img_s,\n"
      "test_accuracy, infer_seconds, infer_img_s {\"1\", \"64\", \"1000\"}, latency_us {p50, p99,\n"
      "calls}, peak_rss_training_mb and peak_rss_mb (MiB).");
  cmd->add_option(
         "--model", o->model,
         "Preset (mlp, lenet5, seed-cnn, fast-cnn) or a JSON spec file (see docs/model.md)")
      ->capture_default_str();
  cmd->add_option("--dataset", o->dataset, dataset_help())->capture_default_str();
  cmd->add_option("--data", o->data_dir, "Directory holding the dataset files");
  cmd->add_flag("--no-download", o->no_download, "Never download missing datasets");
  cmd->add_option("--epochs", o->epochs, "Timed training epochs")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "Training batch size")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  cmd->add_option("--train-images", o->train_images,
                  "Train on the first N training images only (0: all), for quick runs")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--infer-seconds", o->infer_seconds,
                  "Minimum duration of each inference measurement, in seconds")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print the results as one JSON object instead of a table");
  add_bench_read_command(*cmd);
  add_bench_serve_command(*cmd);
  cmd->callback([o, cmd] {
    if (cmd->got_subcommand("read") || cmd->got_subcommand("serve")) return;  // ran instead
    run_bench(*o);
  });
}

}  // namespace inkstone::cli
