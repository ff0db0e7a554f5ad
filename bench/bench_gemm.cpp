// GEMM throughput on the shapes the CNN (batch 64) calls, on 1 and 2 threads, with the active
// instruction set (INKSTONE_ISA caps it). Reports GFLOP/s = 2 * m * n * k / wall time; compare
// with bench_fma_peak. Run:
//   bench_gemm --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// The _median rows are the headline; on a busy machine the GFLOPS of the _max rows (the best
// repetition; their time column is the slowest one) show what the code does when it has the
// cores to itself.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/gemm.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/rng.hpp"

namespace {

using inkstone::kernels::ThreadPool;

struct Shape {
  const char* name;
  bool ta, tb;
  int m, n, k;
  float beta;
};

// Row-major, as the layers call it (see include/inkstone/kernels/gemm.hpp).
const Shape kShapes[] = {
    {"conv1_fwd", false, false, 32, 43264, 9, 0.0f},
    {"conv2_fwd", false, false, 64, 7744, 288, 0.0f},
    {"conv3_fwd", false, false, 64, 576, 576, 0.0f},
    {"conv2_bwd_data", true, false, 288, 7744, 64, 0.0f},
    {"conv3_bwd_data", true, false, 576, 576, 64, 0.0f},
    {"conv1_bwd_weights", false, true, 32, 9, 43264, 1.0f},
    {"conv2_bwd_weights", false, true, 64, 288, 7744, 1.0f},
    {"conv3_bwd_weights", false, true, 64, 576, 576, 1.0f},
    {"dense1_fwd", false, false, 64, 64, 576, 0.0f},
    {"dense1_bwd_weights", true, false, 576, 64, 64, 1.0f},
    {"dense2_fwd", false, false, 64, 10, 64, 0.0f},
};

// A 64-byte aligned float buffer filled with uniform values in [-1, 1).
struct Buffer {
  explicit Buffer(int64_t n, uint64_t seed)
      : data(static_cast<float*>(
            ::operator new(static_cast<size_t>(n) * sizeof(float), std::align_val_t(64)))) {
    inkstone::Rng rng(seed);
    for (int64_t i = 0; i < n; ++i) data[i] = rng.uniform(-1.0f, 1.0f);
  }
  ~Buffer() { ::operator delete(data, std::align_val_t(64)); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  float* data;
};

// state.range(0) = shape index, state.range(1) = threads.
void BM_Gemm(benchmark::State& state) {
  const Shape& s = kShapes[state.range(0)];
  const int threads = static_cast<int>(state.range(1));
  ThreadPool::set_num_threads(threads);
  const int lda = s.ta ? s.m : s.k;
  const int ldb = s.tb ? s.k : s.n;
  Buffer a(static_cast<int64_t>(s.m) * s.k, 1);
  Buffer b(static_cast<int64_t>(s.k) * s.n, 2);
  Buffer c(static_cast<int64_t>(s.m) * s.n, 3);
  for (auto _ : state) {
    inkstone::kernels::gemm(s.ta, s.tb, s.m, s.n, s.k, 1.0f, a.data, lda, b.data, ldb, s.beta,
                            c.data, s.n);
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * s.m * s.n * static_cast<double>(s.k);
  state.counters["GFLOPS"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(s.name) + " " +
                 inkstone::kernels::isa_name(inkstone::kernels::active_isa()));
}

void shape_args(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"shape", "threads"});
  for (int threads : {1, 2}) {
    for (int i = 0; i < static_cast<int>(std::size(kShapes)); ++i) bench->Args({i, threads});
  }
}

double max_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
}

BENCHMARK(BM_Gemm)
    ->Apply(shape_args)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond)
    ->ComputeStatistics("max", max_of);

}  // namespace
