#include "inkstone/nn/batch_norm.hpp"

#include <algorithm>
#include <cmath>

#include "inkstone/kernels/thread_pool.hpp"
#include "nn/layer_util.hpp"

namespace inkstone {

namespace {

// s1 += sum (x_i - k), s2 += sum (x_i - k)^2 over n contiguous floats. Eight independent float
// lanes (which the compiler vectorizes), summed into doubles at the end.
void shifted_sums(const float* x, int64_t n, float k, double& s1, double& s2) {
  float a1[8] = {}, a2[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      const float d = x[i + j] - k;
      a1[j] += d;
      a2[j] += d * d;
    }
  }
  double t1 = 0, t2 = 0;
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - k;
    t1 += d;
    t2 += d * d;
  }
  for (int j = 0; j < 8; ++j) {
    t1 += a1[j];
    t2 += a2[j];
  }
  s1 += t1;
  s2 += t2;
}

// s1 += sum dy_i, s2 += sum dy_i (x_i - k) over n contiguous floats.
void grad_sums(const float* x, const float* dy, int64_t n, float k, double& s1, double& s2) {
  float a1[8] = {}, a2[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      a1[j] += dy[i + j];
      a2[j] += dy[i + j] * (x[i + j] - k);
    }
  }
  double t1 = 0, t2 = 0;
  for (; i < n; ++i) {
    t1 += dy[i];
    t2 += static_cast<double>(dy[i]) * (static_cast<double>(x[i]) - k);
  }
  for (int j = 0; j < 8; ++j) {
    t1 += a1[j];
    t2 += a2[j];
  }
  s1 += t1;
  s2 += t2;
}

// Runs fn(c0, c1) over channel ranges: on the pool for images, serially for small work.
template <typename Fn>
void for_channels(int64_t channels, int64_t work, const Fn& fn) {
  if (work < (1 << 15) || channels == 1) {
    fn(int64_t{0}, channels);
  } else {
    // One reference captured: the std::function fits its small buffer (no allocation).
    kernels::parallel_for(channels, 1, [&fn](int64_t c0, int64_t c1) { fn(c0, c1); });
  }
}

}  // namespace

BatchNormalization::BatchNormalization(float momentum, float epsilon)
    : momentum_(momentum), eps_(epsilon) {
  if (!(momentum >= 0.0f && momentum <= 1.0f)) {
    throw Error("BatchNormalization: momentum must be in [0, 1], got " + std::to_string(momentum));
  }
  if (!(epsilon > 0.0f) || !std::isfinite(epsilon)) {
    throw Error("BatchNormalization: epsilon must be positive, got " + std::to_string(epsilon));
  }
}

Shape BatchNormalization::build(const Shape& input_shape, Rng& /*rng*/) {
  if ((input_shape.rank() != 1 && input_shape.rank() != 3) || input_shape.numel() < 1) {
    throw Error(detail::layer_label(*this) + ": input " + input_shape.str() +
                " must be an image (C, H, W) or a vector (F,)");
  }
  channels_ = input_shape[0];
  inner_ = input_shape.numel() / channels_;
  gamma_.value = Tensor(Shape{channels_}, 1.0f);
  gamma_.grad = Tensor(Shape{channels_});
  beta_.value = Tensor(Shape{channels_});
  beta_.grad = Tensor(Shape{channels_});
  gamma_.trainable = beta_.trainable = trainable_;
  moving_mean_ = Tensor(Shape{channels_});
  moving_var_ = Tensor(Shape{channels_}, 1.0f);
  mean_.assign(static_cast<size_t>(channels_), 0.0f);
  inv_std_.assign(static_cast<size_t>(channels_), 1.0f);
  acc1_.assign(static_cast<size_t>(channels_), 0.0);
  acc2_.assign(static_cast<size_t>(channels_), 0.0);
  coef_.assign(static_cast<size_t>(3 * channels_), 0.0f);
  input_shape_ = input_shape;
  output_shape_ = input_shape;
  built_ = true;
  x_ = nullptr;
  return output_shape_;
}

nlohmann::json BatchNormalization::config() const {
  return {{"momentum", detail::float_for_json(momentum_)},
          {"epsilon", detail::float_for_json(eps_)}};
}

std::vector<Param*> BatchNormalization::params() {
  if (!built_) return {};
  return {&gamma_, &beta_};
}

std::vector<std::pair<std::string, Tensor*>> BatchNormalization::buffers() {
  if (!built_) return {};
  return {{"moving_mean", &moving_mean_}, {"moving_variance", &moving_var_}};
}

// Forward: per channel mu, var (batch or moving), then y = a (x - mu) + beta with
// a = gamma / sqrt(var + eps), in one pass.
const Tensor& BatchNormalization::forward(const Tensor& x, Mode mode) {
  const int64_t n = detail::check_batch(*this, x);
  const int64_t C = channels_, inner = inner_;
  const float* xp = x.data();
  y_.resize(x.shape());
  float* yp = y_.data();
  x_ = &x;
  batch_stats_ = mode == Mode::kTrain && trainable_;

  if (batch_stats_) {
    // Sums of (x - k) and (x - k)^2 per channel, shifted by k = the channel's first value so
    // that the one-pass variance E[(x-k)^2] - E[x-k]^2 does not cancel catastrophically.
    std::fill(acc1_.begin(), acc1_.end(), 0.0);
    std::fill(acc2_.begin(), acc2_.end(), 0.0);
    if (inner == 1) {
      for (int64_t r = 0; r < n; ++r) {
        const float* row = xp + r * C;
        for (int64_t c = 0; c < C; ++c) {
          const double d = static_cast<double>(row[c]) - xp[c];
          acc1_[c] += d;
          acc2_[c] += d * d;
        }
      }
    } else {
      for_channels(C, n * C * inner, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
          const float k = xp[c * inner];
          for (int64_t r = 0; r < n; ++r) {
            shifted_sums(xp + (r * C + c) * inner, inner, k, acc1_[c], acc2_[c]);
          }
        }
      });
    }
    const double m = static_cast<double>(n * inner);
    float* mm = moving_mean_.data();
    float* mv = moving_var_.data();
    for (int64_t c = 0; c < C; ++c) {
      const double e1 = acc1_[c] / m;
      const double var = std::max(acc2_[c] / m - e1 * e1, 0.0);
      const double mu = xp[c * inner] + e1;
      mean_[c] = static_cast<float>(mu);
      inv_std_[c] = static_cast<float>(1.0 / std::sqrt(var + eps_));
      mm[c] = momentum_ * mm[c] + (1.0f - momentum_) * static_cast<float>(mu);
      mv[c] = momentum_ * mv[c] + (1.0f - momentum_) * static_cast<float>(var);
    }
  } else {
    for (int64_t c = 0; c < C; ++c) {
      mean_[c] = moving_mean_[c];
      inv_std_[c] = 1.0f / std::sqrt(moving_var_[c] + eps_);
    }
  }

  const float* gamma = gamma_.value.data();
  const float* beta = beta_.value.data();
  if (inner == 1) {
    for (int64_t r = 0; r < n; ++r) {
      const float* xr = xp + r * C;
      float* yr = yp + r * C;
      for (int64_t c = 0; c < C; ++c) yr[c] = gamma[c] * inv_std_[c] * (xr[c] - mean_[c]) + beta[c];
    }
  } else {
    for_channels(C, n * C * inner, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const float a = gamma[c] * inv_std_[c];
        const float mu = mean_[c];
        const float b = beta[c];
        for (int64_t r = 0; r < n; ++r) {
          const float* xs = xp + (r * C + c) * inner;
          float* ys = yp + (r * C + c) * inner;
          for (int64_t i = 0; i < inner; ++i) ys[i] = a * (xs[i] - mu) + b;
        }
      }
    });
  }
  return y_;
}

// Backward, per channel with A = gamma inv_std, S1 = sum dy, S2 = sum dy (x - mu):
//   dbeta += S1,  dgamma += inv_std S2
//   batch statistics:  dx = A dy - P (x - mu) + Q,  P = A inv_std^2 S2 / M,  Q = -A S1 / M
//   moving statistics: dx = A dy
const Tensor& BatchNormalization::backward(const Tensor& dy) {
  detail::require_forward(*this, x_);
  detail::check_grad(*this, dy, x_->shape());
  const int64_t n = dy.dim(0);
  const int64_t C = channels_, inner = inner_;
  const float* xp = x_->data();
  const float* g = dy.data();
  dx_.resize(dy.shape());
  float* dx = dx_.data();
  const bool need_sums = batch_stats_ || gamma_.trainable || beta_.trainable;

  if (need_sums) {
    std::fill(acc1_.begin(), acc1_.end(), 0.0);
    std::fill(acc2_.begin(), acc2_.end(), 0.0);
    if (inner == 1) {
      for (int64_t r = 0; r < n; ++r) {
        const float* xr = xp + r * C;
        const float* gr = g + r * C;
        for (int64_t c = 0; c < C; ++c) {
          acc1_[c] += gr[c];
          acc2_[c] += static_cast<double>(gr[c]) * (xr[c] - mean_[c]);
        }
      }
    } else {
      for_channels(C, n * C * inner, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
          for (int64_t r = 0; r < n; ++r) {
            const int64_t off = (r * C + c) * inner;
            grad_sums(xp + off, g + off, inner, mean_[c], acc1_[c], acc2_[c]);
          }
        }
      });
    }
    float* dgamma = gamma_.grad.data();
    float* dbeta = beta_.grad.data();
    for (int64_t c = 0; c < C; ++c) {
      if (gamma_.trainable) dgamma[c] += static_cast<float>(acc2_[c] * inv_std_[c]);
      if (beta_.trainable) dbeta[c] += static_cast<float>(acc1_[c]);
    }
  }

  // dx = A dy - P (x - mu) + Q per channel (P = Q = 0 with moving statistics).
  const float* gamma = gamma_.value.data();
  const double m = static_cast<double>(n * inner);
  for (int64_t c = 0; c < C; ++c) {
    const float a = gamma[c] * inv_std_[c];
    float* k = &coef_[static_cast<size_t>(3 * c)];
    k[0] = a;
    k[1] = k[2] = 0.0f;
    if (batch_stats_) {
      const double is = inv_std_[c];
      k[1] = static_cast<float>(a * is * is * acc2_[c] / m);
      k[2] = static_cast<float>(-a * acc1_[c] / m);
    }
  }
  if (inner == 1) {
    for (int64_t r = 0; r < n; ++r) {
      const int64_t o = r * C;
      for (int64_t c = 0; c < C; ++c) {
        const float* k = &coef_[static_cast<size_t>(3 * c)];
        dx[o + c] = k[0] * g[o + c] - k[1] * (xp[o + c] - mean_[c]) + k[2];
      }
    }
  } else {
    for_channels(C, n * C * inner, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const float* k = &coef_[static_cast<size_t>(3 * c)];
        const float a = k[0], p = k[1], q = k[2], mu = mean_[c];
        for (int64_t r = 0; r < n; ++r) {
          const int64_t off = (r * C + c) * inner;
          for (int64_t i = 0; i < inner; ++i) {
            dx[off + i] = a * g[off + i] - p * (xp[off + i] - mu) + q;
          }
        }
      }
    });
  }
  return dx_;
}

}  // namespace inkstone
