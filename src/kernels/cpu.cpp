#include "inkstone/kernels/cpu.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace inkstone::kernels {

namespace {
Isa detect() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("fma")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
  return Isa::kScalar;
}

Isa initial() {
  Isa isa = detected_isa();
  if (const char* env = std::getenv("INKSTONE_ISA")) {
    Isa want = isa;
    if (std::strcmp(env, "scalar") == 0) want = Isa::kScalar;
    if (std::strcmp(env, "avx2") == 0) want = Isa::kAvx2;
    if (std::strcmp(env, "avx512") == 0) want = Isa::kAvx512;
    if (want < isa) isa = want;
  }
  return isa;
}

std::atomic<int>& active() {
  static std::atomic<int> isa{static_cast<int>(initial())};
  return isa;
}
}  // namespace

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() {
  return static_cast<Isa>(active().load(std::memory_order_relaxed));
}

Isa set_isa(Isa isa) {
  if (isa > detected_isa()) isa = detected_isa();
  active().store(static_cast<int>(isa));
  return isa;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    default:
      return "scalar";
  }
}

}  // namespace inkstone::kernels
