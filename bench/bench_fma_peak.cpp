// Measures this machine's fused-multiply-add peak in GFLOP/s, the yardstick the GEMM benchmark
// is judged against. Each thread runs kChains independent accumulator chains (enough to hide the
// FMA latency on every current x86 core) of  acc = acc * x + y  for a fixed number of steps;
// one FMA on a vector of L floats counts 2 * L flops.
// Bench files are compiled without ISA flags, so the SIMD loops use target attributes and only
// run when the CPU supports them.
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"

namespace {

using inkstone::kernels::Isa;
using inkstone::kernels::ThreadPool;

// Independent accumulator chains: enough to cover FMA latency x FMA pipes, few enough to stay
// in registers (32 zmm for AVX-512, 16 ymm for AVX2, two of which hold the constants).
constexpr int kChains512 = 16;
constexpr int kChains256 = 12;
constexpr int64_t kSteps = 1 << 20;  // per thread and per benchmark iteration

__attribute__((target("avx512f,fma"), noinline)) float fma_loop_avx512(int64_t steps) {
  constexpr int kChains = kChains512;
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(1.0f + 1e-3f * i);
  const __m512 x = _mm512_set1_ps(0.999999f);
  const __m512 y = _mm512_set1_ps(1e-7f);
  for (int64_t s = 0; s < steps; ++s) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = _mm512_add_ps(sum, acc[i]);
  float lanes[16];  // (GCC 12 warns inside _mm512_reduce_add_ps, so reduce by hand)
  _mm512_storeu_ps(lanes, sum);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

__attribute__((target("avx2,fma"), noinline)) float fma_loop_avx2(int64_t steps) {
  constexpr int kChains = kChains256;
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(1.0f + 1e-3f * i);
  const __m256 x = _mm256_set1_ps(0.999999f);
  const __m256 y = _mm256_set1_ps(1e-7f);
  for (int64_t s = 0; s < steps; ++s) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = _mm256_add_ps(sum, acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

// state.range(0) = isa (1 avx2, 2 avx512), state.range(1) = threads.
void BM_FmaPeak(benchmark::State& state) {
  const Isa isa = static_cast<Isa>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  if (inkstone::kernels::detected_isa() < isa) {
    state.SkipWithError("instruction set not supported by this CPU");
    return;
  }
  ThreadPool::set_num_threads(threads);
  const int lanes = isa == Isa::kAvx512 ? 16 : 8;
  const int chains = isa == Isa::kAvx512 ? kChains512 : kChains256;
  float sink[64] = {};
  for (auto _ : state) {
    ThreadPool::global().run(threads, [&](int tid, int) {
      sink[tid] += isa == Isa::kAvx512 ? fma_loop_avx512(kSteps) : fma_loop_avx2(kSteps);
    });
  }
  benchmark::DoNotOptimize(sink);
  const double flops = 2.0 * lanes * chains * static_cast<double>(kSteps) * threads;
  state.counters["GFLOPS"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(inkstone::kernels::isa_name(isa));
}

BENCHMARK(BM_FmaPeak)
    ->ArgNames({"isa", "threads"})
    ->Args({2, 1})
    ->Args({2, 2})
    ->Args({1, 1})
    ->Args({1, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->ComputeStatistics("max", [](const std::vector<double>& v) {
      return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
    });

}  // namespace
