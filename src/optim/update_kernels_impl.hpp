#pragma once
// Private: the bodies of the update loops, written once over a vector type V and included by
// each per-ISA translation unit after it defines V:
//   struct V { using T = ...; static constexpr int kWidth = ...;
//              load, store, set1, add, sub, mul, div, sqrt };
// Everything here has internal linkage, so the copies compiled with different instruction sets
// never mix. (Plain loops would not vectorize: std::sqrt sets errno, so GCC keeps it scalar.)
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "optim/update_kernels.hpp"

namespace inkstone::optim_detail {
namespace {

// Calls lane(p + i...) for every full vector of [0, n), then once on zero-padded copies of the
// tail, copying the non-const streams back.
template <int W, class Lane, class... P, size_t... I>
inline void tail_lane(int64_t i, int64_t rest, Lane& lane, std::index_sequence<I...>, P*... ptrs) {
  alignas(64) float buf[sizeof...(P)][W] = {};
  const size_t bytes = static_cast<size_t>(rest) * sizeof(float);
  ((void)std::memcpy(buf[I], ptrs + i, bytes), ...);
  lane(static_cast<P*>(buf[I])...);
  auto copy_back = [&](auto* dst, const float* src) {
    if constexpr (!std::is_const_v<std::remove_pointer_t<decltype(dst)>>) {
      std::memcpy(dst, src, bytes);
    }
  };
  (copy_back(ptrs + i, buf[I]), ...);
}

template <int W, class Lane, class... P>
inline void for_lanes(int64_t n, Lane&& lane, P*... ptrs) {
  int64_t i = 0;
  for (; i + W <= n; i += W) lane((ptrs + i)...);
  if (i < n) tail_lane<W>(i, n - i, lane, std::index_sequence_for<P...>{}, ptrs...);
}

// g' = (g + l2 * theta) * scale, when kGrad.
template <class V, bool kGrad>
inline typename V::T transformed(typename V::T g, typename V::T theta, typename V::T l2,
                                 typename V::T scale) {
  if constexpr (kGrad) {
    return V::mul(V::add(g, V::mul(l2, theta)), scale);
  } else {
    (void)theta, (void)l2, (void)scale;
    return g;
  }
}

// ---- Adam ----------------------------------------------------------------------------------
template <class V, bool kGrad, bool kDecay>
void adam_loop(const AdamCoeffs& c, float* theta, float* m, float* v, const float* g, int64_t n) {
  using T = typename V::T;
  const T b1 = V::set1(c.beta_1), c1 = V::set1(c.one_minus_beta_1);
  const T b2 = V::set1(c.beta_2), c2 = V::set1(c.one_minus_beta_2);
  const T ib1 = V::set1(c.inv_bias_1), ib2 = V::set1(c.inv_bias_2);
  const T lr = V::set1(c.lr), eps = V::set1(c.epsilon), decay = V::set1(c.decay);
  const T l2 = V::set1(c.grad.l2), scale = V::set1(c.grad.scale);
  auto lane = [&](float* pt, float* pm, float* pv, const float* pg) {
    T t = V::load(pt);
    const T gi = transformed<V, kGrad>(V::load(pg), t, l2, scale);
    const T mi = V::add(V::mul(b1, V::load(pm)), V::mul(c1, gi));              // m_t
    const T vi = V::add(V::mul(b2, V::load(pv)), V::mul(c2, V::mul(gi, gi)));  // v_t
    V::store(pm, mi);
    V::store(pv, vi);
    const T m_hat = V::mul(mi, ib1);
    const T v_hat = V::mul(vi, ib2);
    if constexpr (kDecay) t = V::sub(t, V::mul(decay, t));
    t = V::sub(t, V::div(V::mul(lr, m_hat), V::add(V::sqrt(v_hat), eps)));
    V::store(pt, t);
  };
  for_lanes<V::kWidth>(n, lane, theta, m, v, g);
}

template <class V>
void adam(const AdamCoeffs& c, float* theta, float* m, float* v, const float* g, int64_t n) {
  const bool grad = c.grad.active(), decay = c.decay != 0.0f;
  if (grad && decay) return adam_loop<V, true, true>(c, theta, m, v, g, n);
  if (grad) return adam_loop<V, true, false>(c, theta, m, v, g, n);
  if (decay) return adam_loop<V, false, true>(c, theta, m, v, g, n);
  adam_loop<V, false, false>(c, theta, m, v, g, n);
}

// ---- SGD -----------------------------------------------------------------------------------
enum class SgdMode { kPlain, kMomentum, kNesterov };

template <class V, bool kGrad, bool kDecay, SgdMode kMode>
void sgd_loop(const SgdCoeffs& c, float* theta, float* velocity, const float* g, int64_t n) {
  using T = typename V::T;
  const T lr = V::set1(c.lr), mu = V::set1(c.momentum), decay = V::set1(c.decay);
  const T l2 = V::set1(c.grad.l2), scale = V::set1(c.grad.scale);
  if constexpr (kMode == SgdMode::kPlain) {
    auto lane = [&](float* pt, const float* pg) {
      T t = V::load(pt);
      const T gi = transformed<V, kGrad>(V::load(pg), t, l2, scale);
      if constexpr (kDecay) t = V::sub(t, V::mul(decay, t));
      V::store(pt, V::sub(t, V::mul(lr, gi)));  // theta - lr * g
    };
    (void)velocity, (void)mu;
    for_lanes<V::kWidth>(n, lane, theta, g);
  } else {
    auto lane = [&](float* pt, float* pv, const float* pg) {
      T t = V::load(pt);
      const T gi = transformed<V, kGrad>(V::load(pg), t, l2, scale);
      const T step = V::mul(lr, gi);
      const T vel = V::sub(V::mul(mu, V::load(pv)), step);  // v = momentum * v - lr * g
      V::store(pv, vel);
      if constexpr (kDecay) t = V::sub(t, V::mul(decay, t));
      if constexpr (kMode == SgdMode::kNesterov) {
        t = V::add(t, V::sub(V::mul(mu, vel), step));  // theta + momentum * v - lr * g
      } else {
        t = V::add(t, vel);  // theta + v
      }
      V::store(pt, t);
    };
    for_lanes<V::kWidth>(n, lane, theta, velocity, g);
  }
}

template <class V, SgdMode kMode>
void sgd_mode(const SgdCoeffs& c, float* theta, float* velocity, const float* g, int64_t n) {
  const bool grad = c.grad.active(), decay = c.decay != 0.0f;
  if (grad && decay) return sgd_loop<V, true, true, kMode>(c, theta, velocity, g, n);
  if (grad) return sgd_loop<V, true, false, kMode>(c, theta, velocity, g, n);
  if (decay) return sgd_loop<V, false, true, kMode>(c, theta, velocity, g, n);
  sgd_loop<V, false, false, kMode>(c, theta, velocity, g, n);
}

template <class V>
void sgd(const SgdCoeffs& c, float* theta, float* velocity, const float* g, int64_t n) {
  if (velocity == nullptr) return sgd_mode<V, SgdMode::kPlain>(c, theta, velocity, g, n);
  if (c.nesterov) return sgd_mode<V, SgdMode::kNesterov>(c, theta, velocity, g, n);
  sgd_mode<V, SgdMode::kMomentum>(c, theta, velocity, g, n);
}

// ---- RMSprop -------------------------------------------------------------------------------
template <class V, bool kGrad, bool kDecay, bool kCentered, bool kMomentum>
void rmsprop_loop(const RmsPropCoeffs& c, float* theta, float* rms, float* mg, float* mom,
                  const float* g, int64_t n) {
  using T = typename V::T;
  const T rho = V::set1(c.rho), c1 = V::set1(c.one_minus_rho);
  const T lr = V::set1(c.lr), eps = V::set1(c.epsilon), mu = V::set1(c.momentum);
  const T decay = V::set1(c.decay), l2 = V::set1(c.grad.l2), scale = V::set1(c.grad.scale);
  // Streams: theta, rms, [mg], [mom], g. Absent streams are not touched.
  auto update = [&](float* pt, float* pr, float* pmg, float* pmom, const float* pg) {
    T t = V::load(pt);
    const T gi = transformed<V, kGrad>(V::load(pg), t, l2, scale);
    const T r = V::add(V::mul(rho, V::load(pr)), V::mul(c1, V::mul(gi, gi)));  // rms
    V::store(pr, r);
    T d;
    if constexpr (kCentered) {
      const T a = V::add(V::mul(rho, V::load(pmg)), V::mul(c1, gi));  // mg
      V::store(pmg, a);
      d = V::add(V::sub(r, V::mul(a, a)), eps);  // rms - mg^2 + eps
    } else {
      (void)pmg;
      d = V::add(r, eps);  // rms + eps
    }
    const T inc = V::div(V::mul(lr, gi), V::sqrt(d));  // lr * g / sqrt(d)
    if constexpr (kDecay) t = V::sub(t, V::mul(decay, t));
    if constexpr (kMomentum) {
      const T mo = V::add(V::mul(mu, V::load(pmom)), inc);  // mom = momentum * mom + inc
      V::store(pmom, mo);
      t = V::sub(t, mo);
    } else {
      (void)pmom;
      t = V::sub(t, inc);
    }
    V::store(pt, t);
  };
  if constexpr (kCentered && kMomentum) {
    for_lanes<V::kWidth>(n, update, theta, rms, mg, mom, g);
  } else if constexpr (kCentered) {
    auto lane = [&](float* pt, float* pr, float* pmg, const float* pg) {
      update(pt, pr, pmg, nullptr, pg);
    };
    for_lanes<V::kWidth>(n, lane, theta, rms, mg, g);
  } else if constexpr (kMomentum) {
    auto lane = [&](float* pt, float* pr, float* pmom, const float* pg) {
      update(pt, pr, nullptr, pmom, pg);
    };
    for_lanes<V::kWidth>(n, lane, theta, rms, mom, g);
  } else {
    auto lane = [&](float* pt, float* pr, const float* pg) {
      update(pt, pr, nullptr, nullptr, pg);
    };
    for_lanes<V::kWidth>(n, lane, theta, rms, g);
  }
}

template <class V, bool kCentered, bool kMomentum>
void rmsprop_mode(const RmsPropCoeffs& c, float* theta, float* rms, float* mg, float* mom,
                  const float* g, int64_t n) {
  const bool grad = c.grad.active(), decay = c.decay != 0.0f;
  if (grad && decay) {
    return rmsprop_loop<V, true, true, kCentered, kMomentum>(c, theta, rms, mg, mom, g, n);
  }
  if (grad) return rmsprop_loop<V, true, false, kCentered, kMomentum>(c, theta, rms, mg, mom, g, n);
  if (decay)
    return rmsprop_loop<V, false, true, kCentered, kMomentum>(c, theta, rms, mg, mom, g, n);
  rmsprop_loop<V, false, false, kCentered, kMomentum>(c, theta, rms, mg, mom, g, n);
}

template <class V>
void rmsprop(const RmsPropCoeffs& c, float* theta, float* rms, float* mg, float* mom,
             const float* g, int64_t n) {
  if (mg && mom) return rmsprop_mode<V, true, true>(c, theta, rms, mg, mom, g, n);
  if (mg) return rmsprop_mode<V, true, false>(c, theta, rms, mg, mom, g, n);
  if (mom) return rmsprop_mode<V, false, true>(c, theta, rms, mg, mom, g, n);
  rmsprop_mode<V, false, false>(c, theta, rms, mg, mom, g, n);
}

// ---- helpers for clipping ------------------------------------------------------------------
inline void scale_loop(float* g, int64_t n, float s) {
  for (int64_t i = 0; i < n; ++i) g[i] *= s;
}

}  // namespace
}  // namespace inkstone::optim_detail
