#include "inkstone/kernels/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "inkstone/tensor/error.hpp"

namespace inkstone::kernels {

namespace {
thread_local bool t_in_parallel = false;

int default_threads() {
  if (const char* env = std::getenv("INKSTONE_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1 && n <= 1024) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

std::unique_ptr<ThreadPool>& global_slot() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}
}  // namespace

ThreadPool& ThreadPool::global() {
  auto& slot = global_slot();
  if (!slot) slot = std::make_unique<ThreadPool>(default_threads());
  return *slot;
}

bool ThreadPool::in_parallel_region() {
  return t_in_parallel;
}

void ThreadPool::set_num_threads(int n) {
  if (n < 1 || n > 1024) throw Error("threads: " + std::to_string(n) + " is not in [1, 1024]");
  auto& slot = global_slot();
  if (slot && slot->num_threads() == n) return;
  slot.reset();
  slot = std::make_unique<ThreadPool>(n);
}

ThreadPool::ThreadPool(int num_threads) : num_threads_(std::max(1, num_threads)) {
  for (int t = 1; t < num_threads_; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

namespace {
// Kernels call the pool back to back, and waking a sleeping thread costs tens of microseconds,
// so waiting threads first spin for up to this long before they sleep.
constexpr auto kSpinBudget = std::chrono::microseconds(200);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until done() holds or the budget is spent; returns done().
template <class Done>
bool spin_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinBudget;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}
}  // namespace

void ThreadPool::worker_loop(int tid) {
  uint64_t seen = 0;
  for (;;) {
    auto published = [&] {
      return stop_.load(std::memory_order_relaxed) ||
             generation_.load(std::memory_order_acquire) != seen;
    };
    if (!spin_until(published)) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, published);
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    const FunctionRef<void(int, int)>* job = job_;
    const int nthreads = job_threads_;
    if (tid < nthreads) {
      t_in_parallel = true;
      (*job)(tid, nthreads);
      t_in_parallel = false;
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

void ThreadPool::run(int nthreads, FunctionRef<void(int, int)> fn) {
  nthreads = std::clamp(nthreads, 1, num_threads_);
  if (nthreads == 1 || t_in_parallel) {
    for (int t = 0; t < nthreads; ++t) fn(t, nthreads);
    return;
  }
  job_ = &fn;
  job_threads_ = nthreads;
  pending_.store(num_threads_ - 1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  t_in_parallel = true;
  fn(0, nthreads);
  t_in_parallel = false;
  auto all_done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(all_done)) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, all_done);
  }
  job_ = nullptr;
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t chunks = std::min<int64_t>(num_threads_, (n + grain - 1) / grain);
  if (chunks <= 1 || t_in_parallel) {
    fn(0, n);
    return;
  }
  run(static_cast<int>(chunks), [&](int tid, int nt) {
    const int64_t begin = n * tid / nt;
    const int64_t end = n * (tid + 1) / nt;
    if (begin < end) fn(begin, end);
  });
}

}  // namespace inkstone::kernels
