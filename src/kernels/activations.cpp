// Activations: the scalar kernels, the per-call choice of kernel table (scalar / AVX2 / AVX-512)
// and the split of big arrays over the thread pool. SIMD bodies: activations_impl.hpp.
#include "inkstone/kernels/activations.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/error.hpp"
#include "kernels/activations_kernels.hpp"

namespace inkstone::kernels {

namespace {

// ---------------------------------------------------------------------------------------------
// Scalar kernels (formulas in the public header). relu, leaky relu, add_bias_cols and sum_rows
// compute exactly what the SIMD versions compute, in the same order.
// ---------------------------------------------------------------------------------------------
void relu_forward_s(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}
void relu_backward_s(int64_t n, const float* y, const float* dy, float* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
void leaky_relu_forward_s(int64_t n, float alpha, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
}
void leaky_relu_backward_s(int64_t n, float alpha, const float* x, const float* dy, float* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : dy[i] * alpha;
}
void sigmoid_forward_s(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
}
void sigmoid_backward_s(int64_t n, const float* y, const float* dy, float* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}
void tanh_forward_s(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
void tanh_backward_s(int64_t n, const float* y, const float* dy, float* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}
void exp_forward_s(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}
void add_bias_cols_s(int64_t rows, int64_t cols, const float* bias, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = y + r * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] += bias[c];
  }
}
void sum_rows_s(int64_t rows, int64_t cols, int64_t ld, const float* dy, float* db) {
  // Column blocks summed row by row (cache friendly), each column from 0 in row order.
  constexpr int64_t kCols = 256;
  for (int64_t c0 = 0; c0 < cols; c0 += kCols) {
    const int64_t nc = std::min(kCols, cols - c0);
    float acc[kCols] = {};
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = dy + r * ld + c0;
      for (int64_t c = 0; c < nc; ++c) acc[c] += row[c];
    }
    for (int64_t c = 0; c < nc; ++c) db[c0 + c] += acc[c];
  }
}
float row_max_s(int64_t n, const float* x) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}
void softmax_rows_s(int64_t rows, int64_t cols, const float* x, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    const float m = row_max_s(cols, xr);
    float sum = 0.0f;
    for (int64_t i = 0; i < cols; ++i) {
      yr[i] = std::exp(xr[i] - m);
      sum += yr[i];
    }
    const float inv = 1.0f / sum;
    for (int64_t i = 0; i < cols; ++i) yr[i] *= inv;
  }
}
void softmax_backward_rows_s(int64_t rows, int64_t cols, const float* y, const float* dy,
                             float* dx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float* dr = dx + r * cols;
    float dot = 0.0f;
    for (int64_t i = 0; i < cols; ++i) dot += gr[i] * yr[i];
    for (int64_t i = 0; i < cols; ++i) dr[i] = yr[i] * (gr[i] - dot);
  }
}
void logsumexp_rows_s(int64_t rows, int64_t cols, const float* x, float* lse) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    const float m = row_max_s(cols, xr);
    if (std::isinf(m)) {
      lse[r] = m;
      continue;
    }
    float sum = 0.0f;
    for (int64_t i = 0; i < cols; ++i) sum += std::exp(xr[i] - m);
    lse[r] = m + std::log(sum);
  }
}

const ActivationKernels kScalar = {
    .relu_forward = relu_forward_s,
    .relu_backward = relu_backward_s,
    .leaky_relu_forward = leaky_relu_forward_s,
    .leaky_relu_backward = leaky_relu_backward_s,
    .sigmoid_forward = sigmoid_forward_s,
    .sigmoid_backward = sigmoid_backward_s,
    .tanh_forward = tanh_forward_s,
    .tanh_backward = tanh_backward_s,
    .exp_forward = exp_forward_s,
    .add_bias_cols = add_bias_cols_s,
    .sum_rows = sum_rows_s,
    .softmax_rows = softmax_rows_s,
    .softmax_backward_rows = softmax_backward_rows_s,
    .logsumexp_rows = logsumexp_rows_s,
};

const ActivationKernels& kernels() {
  switch (active_isa()) {
    case Isa::kAvx512:
      return kActivationsAvx512;
    case Isa::kAvx2:
      return kActivationsAvx2;
    default:
      return kScalar;
  }
}

// ---------------------------------------------------------------------------------------------
// Splitting over the pool. Work below kMinParallel floats stays on the calling thread; above it,
// chunks are contiguous, fixed for a given thread count, and at least kGrain floats each.
// ---------------------------------------------------------------------------------------------
constexpr int64_t kMinParallel = 32768;
constexpr int64_t kGrain = 16384;
constexpr int64_t kBlock = 1024;  // element-wise chunk boundaries are multiples of this

template <typename Fn>
void split_elements(int64_t n, Fn&& fn) {
  if (n < kMinParallel || num_threads() == 1) {
    fn(int64_t{0}, n);
    return;
  }
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  parallel_for(blocks, kGrain / kBlock,
               [&](int64_t b0, int64_t b1) { fn(b0 * kBlock, std::min(n, b1 * kBlock)); });
}

template <typename Fn>
void split_rows(int64_t rows, int64_t cols, Fn&& fn) {
  if (rows * cols < kMinParallel || num_threads() == 1) {
    fn(int64_t{0}, rows);
    return;
  }
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, cols)), fn);
}

void check_size(int64_t n, const char* fn, const char* what) {
  if (n < 0) throw Error(std::string(fn) + ": " + what + " = " + std::to_string(n) + " < 0");
}
void check_ptrs(const char* fn, std::initializer_list<const void*> ptrs) {
  for (const void* p : ptrs) {
    if (p == nullptr) throw Error(std::string(fn) + ": null pointer argument");
  }
}

}  // namespace

void relu_forward(int64_t n, const float* x, float* y) {
  check_size(n, "relu_forward", "n");
  if (n == 0) return;
  check_ptrs("relu_forward", {x, y});
  const auto k = kernels().relu_forward;
  split_elements(n, [&](int64_t b, int64_t e) { k(e - b, x + b, y + b); });
}

void relu_backward(int64_t n, const float* y, const float* dy, float* dx) {
  check_size(n, "relu_backward", "n");
  if (n == 0) return;
  check_ptrs("relu_backward", {y, dy, dx});
  const auto k = kernels().relu_backward;
  split_elements(n, [&](int64_t b, int64_t e) { k(e - b, y + b, dy + b, dx + b); });
}

void leaky_relu_forward(int64_t n, float alpha, const float* x, float* y) {
  check_size(n, "leaky_relu_forward", "n");
  if (n == 0) return;
  check_ptrs("leaky_relu_forward", {x, y});
  const auto k = kernels().leaky_relu_forward;
  split_elements(n, [&](int64_t b, int64_t e) { k(e - b, alpha, x + b, y + b); });
}

void leaky_relu_backward(int64_t n, float alpha, const float* x, const float* dy, float* dx) {
  check_size(n, "leaky_relu_backward", "n");
  if (n == 0) return;
  check_ptrs("leaky_relu_backward", {x, dy, dx});
  const auto k = kernels().leaky_relu_backward;
  split_elements(n, [&](int64_t b, int64_t e) { k(e - b, alpha, x + b, dy + b, dx + b); });
}

void sigmoid_forward(int64_t n, const float* x, float* y) {
  check_size(n, "sigmoid_forward", "n");
  if (n == 0) return;
  check_ptrs("sigmoid_forward", {x, y});
  const auto k = kernels().sigmoid_forward;
  split_elements(n, [&](int64_t b, int64_t e) { k(e - b, x + b, y + b); });
}

void sigmoid_backward(int64_t n, const float* y, const float* dy, float* dx) {
  check_size(n, "sigmoid_backward", "n");
  if (n == 0) return;
  check_ptrs("sigmoid_backward", {y, dy, dx});
  const auto k = kernels().sigmoid_backward;
  split_elements(n, [&](int64_t b, int64_t e) { k(e - b, y + b, dy + b, dx + b); });
}

void tanh_forward(int64_t n, const float* x, float* y) {
  check_size(n, "tanh_forward", "n");
  if (n == 0) return;
  check_ptrs("tanh_forward", {x, y});
  const auto k = kernels().tanh_forward;
  split_elements(n, [&](int64_t b, int64_t e) { k(e - b, x + b, y + b); });
}

void tanh_backward(int64_t n, const float* y, const float* dy, float* dx) {
  check_size(n, "tanh_backward", "n");
  if (n == 0) return;
  check_ptrs("tanh_backward", {y, dy, dx});
  const auto k = kernels().tanh_backward;
  split_elements(n, [&](int64_t b, int64_t e) { k(e - b, y + b, dy + b, dx + b); });
}

void exp_forward(int64_t n, const float* x, float* y) {
  check_size(n, "exp_forward", "n");
  if (n == 0) return;
  check_ptrs("exp_forward", {x, y});
  const auto k = kernels().exp_forward;
  split_elements(n, [&](int64_t b, int64_t e) { k(e - b, x + b, y + b); });
}

void add_bias_cols(int64_t rows, int64_t cols, const float* bias, float* y) {
  check_size(rows, "add_bias_cols", "rows");
  check_size(cols, "add_bias_cols", "cols");
  if (rows == 0 || cols == 0) return;
  check_ptrs("add_bias_cols", {bias, y});
  const auto k = kernels().add_bias_cols;
  split_rows(rows, cols, [&](int64_t r0, int64_t r1) { k(r1 - r0, cols, bias, y + r0 * cols); });
}

void sum_rows(int64_t rows, int64_t cols, const float* dy, float* db) {
  check_size(rows, "sum_rows", "rows");
  check_size(cols, "sum_rows", "cols");
  if (rows == 0 || cols == 0) return;
  check_ptrs("sum_rows", {dy, db});
  const auto k = kernels().sum_rows;
  if (rows * cols < kMinParallel || num_threads() == 1) {
    k(rows, cols, cols, dy, db);
    return;
  }
  // Split over blocks of 64 columns: each column is summed by one task, rows in order.
  constexpr int64_t kColBlock = 64;
  const int64_t blocks = (cols + kColBlock - 1) / kColBlock;
  const int64_t grain = std::max<int64_t>(1, kGrain / (rows * kColBlock));
  parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
    const int64_t c0 = b0 * kColBlock;
    const int64_t c1 = std::min(cols, b1 * kColBlock);
    k(rows, c1 - c0, cols, dy + c0, db + c0);
  });
}

void softmax_rows(int64_t rows, int64_t cols, const float* x, float* y) {
  check_size(rows, "softmax_rows", "rows");
  check_size(cols, "softmax_rows", "cols");
  if (rows == 0 || cols == 0) return;
  check_ptrs("softmax_rows", {x, y});
  const auto k = kernels().softmax_rows;
  split_rows(rows, cols,
             [&](int64_t r0, int64_t r1) { k(r1 - r0, cols, x + r0 * cols, y + r0 * cols); });
}

void softmax_backward_rows(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx) {
  check_size(rows, "softmax_backward_rows", "rows");
  check_size(cols, "softmax_backward_rows", "cols");
  if (rows == 0 || cols == 0) return;
  check_ptrs("softmax_backward_rows", {y, dy, dx});
  const auto k = kernels().softmax_backward_rows;
  split_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    k(r1 - r0, cols, y + r0 * cols, dy + r0 * cols, dx + r0 * cols);
  });
}

void logsumexp_rows(int64_t rows, int64_t cols, const float* x, float* lse) {
  check_size(rows, "logsumexp_rows", "rows");
  check_size(cols, "logsumexp_rows", "cols");
  if (rows == 0) return;
  check_ptrs("logsumexp_rows", {x, lse});
  if (cols == 0) {  // log of an empty sum
    std::fill(lse, lse + rows, -INFINITY);
    return;
  }
  const auto k = kernels().logsumexp_rows;
  split_rows(rows, cols,
             [&](int64_t r0, int64_t r1) { k(r1 - r0, cols, x + r0 * cols, lse + r0); });
}

}  // namespace inkstone::kernels
