// Layer kernels on the seed CNN's shapes at batch 64: convolution (forward, backward-data,
// backward-weights), 2x2 max pooling, ReLU and softmax. Convolution reports GFLOPS
// (2 * k * c * kh * kw * n * out_h * out_w per pass); memory-bound kernels report GB/s of the
// bytes they must move. Threads: INKSTONE_THREADS (default: all cores); ISA: INKSTONE_ISA.
//   build/<dir>/bench/bench_layers --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "inkstone/kernels/activations.hpp"
#include "inkstone/kernels/conv.hpp"
#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/pool.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/rng.hpp"

namespace ik = inkstone::kernels;

namespace {

constexpr int kBatch = 64;

const bool kContext = [] {
  benchmark::AddCustomContext("inkstone_isa", ik::isa_name(ik::active_isa()));
  benchmark::AddCustomContext("inkstone_threads", std::to_string(ik::num_threads()));
  return true;
}();

std::vector<float> random_vec(size_t n, uint64_t seed) {
  inkstone::Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

// The seed CNN (Keras tutorial): 3x3 "valid" convolutions 1->32 on 28x28, 32->64 on 13x13 and
// 64->64 on 5x5, with 2x2 max pooling in between.
struct ConvShape {
  const char* name;
  int c, h, w, k;
};
const ConvShape kConvs[] = {
    {"conv1", 1, 28, 28, 32}, {"conv2", 32, 13, 13, 64}, {"conv3", 64, 5, 5, 64}};

enum class Pass {
  kForward,
  kBackwardData,
  kBackwardWeights,
  kForwardPoolTrain,
  kForwardPoolInfer,
  kBackwardPool
};

void bm_conv(benchmark::State& state, Pass pass) {
  const ConvShape& s = kConvs[state.range(0)];
  const ik::ConvGeometry g = ik::make_conv_geometry(kBatch, s.c, s.h, s.w, s.k, 3, 3, 1, 1, false);
  const auto x = random_vec(size_t(g.n) * g.c * g.h * g.w, 1);
  const auto w = random_vec(size_t(g.k) * g.c * g.kh * g.kw, 2);
  const auto b = random_vec(size_t(g.k), 3);
  const auto dy = random_vec(size_t(g.n) * g.k * g.out_h * g.out_w, 4);
  std::vector<float> y(dy.size()), dx(x.size()), dw(w.size()), db(b.size());
  std::vector<float> ws(ik::conv2d_workspace_floats(g));
  std::vector<int32_t> argmax(dy.size() / 4);
  std::vector<float> pooled(argmax.size());
  if (pass == Pass::kBackwardPool) {  // the argmax and pooled values the backward pass reads
    ik::conv2d_forward_maxpool(g, x.data(), w.data(), b.data(), true, pooled.data(), argmax.data());
  }
  for (auto _ : state) {
    switch (pass) {
      case Pass::kForward:
        ik::conv2d_forward(g, x.data(), w.data(), b.data(), y.data(), ws.data());
        benchmark::DoNotOptimize(y.data());
        break;
      case Pass::kBackwardData:
        ik::conv2d_backward_data(g, dy.data(), w.data(), dx.data(), ws.data());
        benchmark::DoNotOptimize(dx.data());
        break;
      case Pass::kBackwardWeights:
        ik::conv2d_backward_weights(g, x.data(), dy.data(), dw.data(), db.data(), ws.data());
        benchmark::DoNotOptimize(dw.data());
        break;
      case Pass::kForwardPoolTrain:
      case Pass::kForwardPoolInfer:
        ik::conv2d_forward_maxpool(g, x.data(), w.data(), b.data(), /*relu=*/true, y.data(),
                                   pass == Pass::kForwardPoolTrain ? argmax.data() : nullptr);
        benchmark::DoNotOptimize(y.data());
        break;
      case Pass::kBackwardPool:  // dw, db and dx (conv1, the first layer, needs no dx)
        ik::conv2d_backward_maxpool(g, x.data(), dy.data(), pooled.data(), argmax.data(), true,
                                    w.data(), dw.data(), db.data(), s.c == 1 ? nullptr : dx.data(),
                                    ws.data());
        benchmark::DoNotOptimize(dw.data());
        break;
    }
    benchmark::ClobberMemory();
  }
  // One multiply-add = 2 flops, counted as the direct convolution of the whole output does them
  // (passes that skip work, as the pooled ones do, report the equivalent rate); the pooled
  // backward counts its two (conv1: one) products.
  const double passes = pass == Pass::kBackwardPool ? (s.c == 1 ? 1.0 : 2.0) : 1.0;
  const double flops = passes * 2.0 * g.k * g.c * g.kh * g.kw * double(g.n) * g.out_h * g.out_w;
  state.counters["GFLOPS"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(s.name);
}

void BM_ConvForward(benchmark::State& state) {
  bm_conv(state, Pass::kForward);
}
void BM_ConvBackwardData(benchmark::State& state) {
  bm_conv(state, Pass::kBackwardData);
}
void BM_ConvBackwardWeights(benchmark::State& state) {
  bm_conv(state, Pass::kBackwardWeights);
}
// The forward pass as the seed CNN runs it: bias, ReLU and the 2x2 max pool fused (conv1 and
// conv2, the ones followed by a pool), with the argmax kept (training) or not (inference).
void BM_ConvForwardPoolTrain(benchmark::State& state) {
  bm_conv(state, Pass::kForwardPoolTrain);
}
void BM_ConvForwardPoolInfer(benchmark::State& state) {
  bm_conv(state, Pass::kForwardPoolInfer);
}
// Its backward as training runs it: the pooled gradient (dy's first quarter) routed through the
// argmax and the ReLU, then dw, db and dx.
void BM_ConvBackwardPool(benchmark::State& state) {
  bm_conv(state, Pass::kBackwardPool);
}
BENCHMARK(BM_ConvForwardPoolTrain)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ConvForwardPoolInfer)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ConvBackwardPool)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ConvForward)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ConvBackwardData)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ConvBackwardWeights)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond)->UseRealTime();

// 2x2 max pooling after conv1 (32 x 26 x 26) and conv2 (64 x 11 x 11).
const int kPoolShapes[][3] = {{32, 26, 26}, {64, 11, 11}};

void BM_MaxPoolForward(benchmark::State& state) {
  const auto* s = kPoolShapes[state.range(0)];
  const ik::PoolGeometry g = ik::make_pool_geometry(kBatch * s[0], s[1], s[2], 2, 2, 2, 2, false);
  const auto x = random_vec(size_t(g.planes) * g.h * g.w, 5);
  std::vector<float> y(size_t(g.planes) * g.out_h * g.out_w);
  std::vector<int32_t> arg(y.size());
  for (auto _ : state) {
    ik::maxpool_forward(g, x.data(), y.data(), arg.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double bytes = 4.0 * (double(x.size()) + 2.0 * double(y.size()));  // x in; y, argmax out
  state.counters["GB/s"] =
      benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]));
}
BENCHMARK(BM_MaxPoolForward)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_MaxPoolBackward(benchmark::State& state) {
  const auto* s = kPoolShapes[state.range(0)];
  const ik::PoolGeometry g = ik::make_pool_geometry(kBatch * s[0], s[1], s[2], 2, 2, 2, 2, false);
  const auto x = random_vec(size_t(g.planes) * g.h * g.w, 6);
  std::vector<float> y(size_t(g.planes) * g.out_h * g.out_w), dx(x.size());
  std::vector<int32_t> arg(y.size());
  ik::maxpool_forward(g, x.data(), y.data(), arg.data());
  for (auto _ : state) {
    ik::maxpool_backward(g, y.data(), arg.data(), dx.data());
    benchmark::DoNotOptimize(dx.data());
    benchmark::ClobberMemory();
  }
  const double bytes = 4.0 * (double(dx.size()) + 2.0 * double(y.size()));  // dy, argmax in; dx
  state.counters["GB/s"] =
      benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]));
}
BENCHMARK(BM_MaxPoolBackward)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond)->UseRealTime();

// ReLU on conv1's output (64 x 32 x 26 x 26), in place, as the layer runs it.
void BM_ReluForward(benchmark::State& state) {
  auto x = random_vec(size_t(kBatch) * 32 * 26 * 26, 7);
  for (auto _ : state) {
    ik::relu_forward(int64_t(x.size()), x.data(), x.data());
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
  state.counters["GB/s"] = benchmark::Counter(8.0 * double(x.size()) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ReluForward)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Softmax of the logits (64 x 10), forward and backward.
void BM_Softmax(benchmark::State& state) {
  const int64_t rows = kBatch, cols = 10;
  const auto x = random_vec(size_t(rows * cols), 8);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    ik::softmax_rows(rows, cols, x.data(), y.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["rows/s"] =
      benchmark::Counter(double(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Softmax)->UseRealTime();

void BM_SoftmaxBackward(benchmark::State& state) {
  const int64_t rows = kBatch, cols = 10;
  const auto x = random_vec(size_t(rows * cols), 9);
  const auto dy = random_vec(size_t(rows * cols), 10);
  std::vector<float> y(x.size()), dx(x.size());
  ik::softmax_rows(rows, cols, x.data(), y.data());
  for (auto _ : state) {
    ik::softmax_backward_rows(rows, cols, y.data(), dy.data(), dx.data());
    benchmark::DoNotOptimize(dx.data());
    benchmark::ClobberMemory();
  }
  state.counters["rows/s"] =
      benchmark::Counter(double(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SoftmaxBackward)->UseRealTime();

}  // namespace
