#pragma once
// One thread pool for the whole process. Work is split by a fixed partition (task i always runs
// on the same thread for a given thread count), so results are bit-identical run to run.
// The calling thread takes part as thread 0; a parallel call made from inside a parallel region
// runs serially on the calling thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace inkstone::kernels {

// A non-owning reference to a callable (like std::function_ref): passing a lambda to the pool
// costs no heap allocation, so parallel kernels stay allocation-free. The callable must outlive
// the call it is passed to, which holds for every use here (the pool's calls block).
template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F>
  requires(!std::is_same_v<std::decay_t<F>, FunctionRef> && std::is_invocable_r_v<R, F&, Args...>)
      FunctionRef(F&& f)  // NOLINT(google-explicit-constructor): implicit, like std::function
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

class ThreadPool {
 public:
  // The process-wide pool; its size defaults to the number of cores (or INKSTONE_THREADS).
  static ThreadPool& global();
  // Resizes the global pool (n >= 1). Not to be called while parallel work is running.
  static void set_num_threads(int n);
  // True on a thread that is running a part of a parallel call (where nested calls run serially,
  // so a kernel called there should not split its work).
  static bool in_parallel_region();

  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(tid, nthreads) once on each of `nthreads` threads (nthreads <= num_threads()).
  void run(int nthreads, FunctionRef<void(int tid, int nthreads)> fn);
  // Splits [0, n) into at most num_threads() contiguous chunks of at least `grain` items and
  // calls fn(begin, end) for each chunk.
  void parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> fn);

 private:
  void worker_loop(int tid);

  int num_threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  // A job is published by writing job_/job_threads_/pending_ and then bumping generation_
  // (release); workers acquire generation_, run their part, and count pending_ down. Every worker
  // acknowledges every generation, so the next job is only published once all have read this one.
  const FunctionRef<void(int, int)>* job_ = nullptr;
  int job_threads_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};

// Shorthands on the global pool.
inline int num_threads() {
  return ThreadPool::global().num_threads();
}
inline void parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> fn) {
  ThreadPool::global().parallel_for(n, grain, fn);
}

}  // namespace inkstone::kernels
