#pragma once
// Element-wise activations and their backward passes over n contiguous floats, with SIMD
// (AVX-512 / AVX2 / scalar by runtime dispatch on active_isa()). In-place use (y == x, dx == dy)
// is allowed. Backward functions take the forward *output* y where the derivative is a function
// of it.
//
// Accuracy: the scalar path uses the C library (std::exp, std::tanh). The SIMD paths use their
// own e^x (range reduction + polynomial, relative error < 2e-7 wherever the result is a normal
// float, +inf above ln(FLT_MAX), 0 far below, NaN in -> NaN out, no NaN for +-inf or huge
// inputs), so sigmoid/tanh/softmax/logsumexp agree with the scalar path to a few float ulps;
// relu, leaky relu, add_bias_cols and sum_rows give bit-identical results on every path.
//
// Threads: arrays of 32768 floats or more are split over the global pool in fixed chunks
// (rows for the row-wise functions, columns for sum_rows); nothing is ever summed across chunks,
// so results do not depend on the thread count. Smaller work runs on the calling thread.
// Negative sizes or null pointers (for non-empty work) throw inkstone::Error.
#include <cstdint>

namespace inkstone::kernels {

// y = max(x, 0);                    dx = dy * [y > 0]
void relu_forward(int64_t n, const float* x, float* y);
void relu_backward(int64_t n, const float* y, const float* dy, float* dx);
// y = x > 0 ? x : alpha x;          dx = dy * (x > 0 ? 1 : alpha)   (takes the input x)
void leaky_relu_forward(int64_t n, float alpha, const float* x, float* y);
void leaky_relu_backward(int64_t n, float alpha, const float* x, const float* dy, float* dx);
// y = 1 / (1 + e^-x);               dx = dy * y (1 - y)
void sigmoid_forward(int64_t n, const float* x, float* y);
void sigmoid_backward(int64_t n, const float* y, const float* dy, float* dx);
// y = tanh x;                       dx = dy * (1 - y^2)
void tanh_forward(int64_t n, const float* x, float* y);
void tanh_backward(int64_t n, const float* y, const float* dy, float* dx);
// y = e^x (the SIMD approximation described above on the AVX paths).
void exp_forward(int64_t n, const float* x, float* y);

// y[r, :] += bias (rows x cols);   per-column bias, as Dense adds it.
void add_bias_cols(int64_t rows, int64_t cols, const float* bias, float* y);
// db[c] += sum_r dy[r, c]   (each column summed over rows in order, in float)
void sum_rows(int64_t rows, int64_t cols, const float* dy, float* db);

// Softmax of each row of a rows x cols matrix, computed as e^(x - max) / sum e^(x - max), so
// huge inputs (+-1000) are fine. A row whose max is +-inf (e.g. all -inf) gives NaNs.
void softmax_rows(int64_t rows, int64_t cols, const float* x, float* y);
// Backward of softmax given its output y: dx = y * (dy - sum_j dy_j y_j), row by row.
void softmax_backward_rows(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx);
// log-sum-exp of each row: lse[r] = max + log sum e^(x - max); a row of all -inf gives -inf,
// a row holding +inf gives +inf.
void logsumexp_rows(int64_t rows, int64_t cols, const float* x, float* lse);

}  // namespace inkstone::kernels
