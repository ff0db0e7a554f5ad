#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"

namespace inkstone::kernels {
namespace {

TEST(ThreadPool, ParallelForCoversRangeOnce) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(1000);
  for (int rep = 0; rep < 20; ++rep) {
    pool.parallel_for(1000, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
    });
  }
  for (auto& h : hits) EXPECT_EQ(h.load(), 20);
}

TEST(ThreadPool, RunGivesEachThreadItsIndexAndNestsSerially) {
  ThreadPool pool(2);
  std::atomic<int> mask{0};
  std::atomic<int> inner{0};
  pool.run(2, [&](int tid, int nt) {
    EXPECT_EQ(nt, 2);
    mask |= 1 << tid;
    pool.parallel_for(10, 1, [&](int64_t b, int64_t e) { inner += static_cast<int>(e - b); });
  });
  EXPECT_EQ(mask.load(), 3);
  EXPECT_EQ(inner.load(), 20);
}

TEST(Cpu, SetIsaClampsToDetected) {
  Isa before = active_isa();
  EXPECT_EQ(set_isa(Isa::kScalar), Isa::kScalar);
  EXPECT_EQ(active_isa(), Isa::kScalar);
  EXPECT_LE(static_cast<int>(set_isa(Isa::kAvx512)), static_cast<int>(detected_isa()));
  set_isa(before);
}

}  // namespace
}  // namespace inkstone::kernels
