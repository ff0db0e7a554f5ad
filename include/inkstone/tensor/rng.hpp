#pragma once
// Rng: a small, fast, portable random generator (xoshiro256** seeded by splitmix64).
// Its output is identical on every platform and standard library, which std::*_distribution
// does not promise; that is what makes runs bit-identical for a given seed. The whole state is
// four words, so checkpoints can save and restore it.
#include <array>
#include <cstdint>

namespace inkstone {

// The splitmix64 finalizer: a bijective mix of one word, for deriving well-spread stream seeds
// from (seed, epoch, index) tuples: Rng(mix64(seed) ^ mix64(k)).
uint64_t mix64(uint64_t z);

class Rng {
 public:
  explicit Rng(uint64_t seed = 1);
  uint64_t next_u64();
  // Uniform in [0, 1) with 24 random bits.
  float uniform();
  // Uniform in [lo, hi).
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), n > 0, without modulo bias.
  uint64_t below(uint64_t n);
  // Standard normal (Box-Muller on doubles, one value per call).
  float normal();
  // A new generator whose stream is independent of this one (for per-layer or per-thread use).
  Rng split();

  std::array<uint64_t, 4> state() const { return s_; }
  void set_state(const std::array<uint64_t, 4>& s) { s_ = s; }

 private:
  std::array<uint64_t, 4> s_{};
};

}  // namespace inkstone
