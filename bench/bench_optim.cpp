// Optimizer update throughput on the parameters of the tutorial's CNN (93,322 parameters:
// conv 3x3x1x32, conv 3x3x32x64, conv 3x3x64x64, dense 576x64, dense 64x10, with biases).
// Reports params/s. Arguments: threads of the global pool, and the instruction set
// (0 scalar/SSE2, 1 AVX2, 2 AVX-512; capped to what the CPU has).
//   build/<dir>/bench/bench_optim --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/optim/optimizer.hpp"

namespace {

using inkstone::Param;
using inkstone::Shape;
using inkstone::Tensor;

struct Model {
  std::vector<Param> storage;
  std::vector<Param*> params;
  int64_t count = 0;
};

Model make_model(const std::vector<Shape>& shapes) {
  Model m;
  m.storage.reserve(shapes.size());
  for (const Shape& s : shapes) {
    Param p;
    p.value = Tensor(s, 0.01f);
    p.grad = Tensor(s);
    for (int64_t i = 0; i < s.numel(); ++i) p.grad[i] = 1e-3f * static_cast<float>(i % 13) - 6e-3f;
    p.decay = s.rank() > 1;
    m.count += s.numel();
    m.storage.push_back(std::move(p));
  }
  for (Param& p : m.storage) m.params.push_back(&p);
  return m;
}

Model seed_cnn_params() {
  return make_model({{32, 1, 3, 3},
                     {32},
                     {64, 32, 3, 3},
                     {64},
                     {64, 64, 3, 3},
                     {64},
                     {576, 64},
                     {64},
                     {64, 10},
                     {10}});
}

// About 1.2M parameters, to see whether splitting over threads pays.
Model large_params() {
  return make_model({{1152, 1024}, {1024}, {1024, 10}, {10}});
}

void run(benchmark::State& state, const char* name, float clip_norm, bool large = false) {
  const int threads = static_cast<int>(state.range(0));
  const auto isa = static_cast<inkstone::kernels::Isa>(state.range(1));
  inkstone::kernels::ThreadPool::set_num_threads(threads);
  const auto saved_isa = inkstone::kernels::active_isa();
  if (inkstone::kernels::set_isa(isa) != isa) {
    state.SkipWithError("instruction set not available on this CPU");
    inkstone::kernels::set_isa(saved_isa);
    return;
  }
  Model m = large ? large_params() : seed_cnn_params();
  auto opt = inkstone::make_optimizer(name);
  opt->regularization().clip_norm = clip_norm;
  opt->step(m.params);  // creates the state
  for (auto _ : state) {
    opt->step(m.params);
    benchmark::DoNotOptimize(m.storage[0].value.data());
    benchmark::ClobberMemory();
  }
  state.counters["params"] = static_cast<double>(m.count);
  state.counters["params/s"] =
      benchmark::Counter(static_cast<double>(m.count) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  inkstone::kernels::set_isa(saved_isa);
}

void BM_AdamStep(benchmark::State& state) {
  run(state, "adam", 0);
}
void BM_AdamStepClipped(benchmark::State& state) {
  run(state, "adam", 1e-3f);
}
void BM_SgdStep(benchmark::State& state) {
  run(state, "sgd", 0);
}
void BM_RmsPropStep(benchmark::State& state) {
  run(state, "rmsprop", 0);
}
void BM_AdamStepLarge(benchmark::State& state) {
  run(state, "adam", 0, true);
}

void BM_GlobalGradNorm(benchmark::State& state) {
  Model m = seed_cnn_params();
  for (auto _ : state) benchmark::DoNotOptimize(inkstone::global_grad_norm(m.params));
  state.counters["params/s"] =
      benchmark::Counter(static_cast<double>(m.count) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

// {threads, isa}
void isa_args(benchmark::internal::Benchmark* b) {
  for (int isa : {0, 1, 2}) b->Args({1, isa});
  b->Args({2, 2});
}

}  // namespace

// Real time: with more than one thread the work is not all on the calling thread.
BENCHMARK(BM_AdamStep)->Apply(isa_args)->UseRealTime();
BENCHMARK(BM_AdamStepClipped)->Args({1, 2})->UseRealTime();
BENCHMARK(BM_SgdStep)->Args({1, 0})->Args({1, 2})->UseRealTime();
BENCHMARK(BM_RmsPropStep)->Args({1, 0})->Args({1, 2})->UseRealTime();
BENCHMARK(BM_AdamStepLarge)->Args({1, 2})->Args({2, 2})->UseRealTime();
BENCHMARK(BM_GlobalGradNorm)->UseRealTime();
