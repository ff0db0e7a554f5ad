#pragma once
// Runtime instruction-set dispatch. The library is built for plain x86-64; kernels compiled for
// AVX2+FMA and AVX-512 live in *_avx2.cpp / *_avx512.cpp files and are called only when the CPU
// supports them. `INKSTONE_ISA=scalar|avx2|avx512` in the environment caps the choice (tests
// use set_isa to run every path on the same input).
namespace inkstone::kernels {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// The best instruction set this CPU supports.
Isa detected_isa();
// The instruction set kernels use now: detected_isa(), capped by INKSTONE_ISA and set_isa().
Isa active_isa();
// Selects the instruction set (clamped to detected_isa()); returns the one now active.
Isa set_isa(Isa isa);
const char* isa_name(Isa isa);

}  // namespace inkstone::kernels
