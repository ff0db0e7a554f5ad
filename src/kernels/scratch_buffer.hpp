#pragma once
// Private: a per-thread scratch buffer of floats, 64-byte aligned, grown on demand (by at least
// half its size, so alternating sizes do not reallocate) and reused across calls, so kernels
// called every step allocate nothing after the first. Used as `thread_local ScratchBuffer`.
// Plain (no templates, no inline SIMD): safe to include from any instruction-set file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>

namespace inkstone::kernels {

class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { release(); }

  // At least `floats` floats; the contents are unspecified.
  float* get(int64_t floats) {
    if (floats > capacity_) {
      release();
      const int64_t grown = std::max(floats, capacity_ + capacity_ / 2);
      data_ = static_cast<float*>(
          ::operator new(static_cast<size_t>(grown) * sizeof(float), std::align_val_t(64)));
      capacity_ = grown;
    }
    return data_;
  }

 private:
  void release() {
    if (data_ != nullptr) ::operator delete(data_, std::align_val_t(64));
    data_ = nullptr;
    capacity_ = 0;
  }

  float* data_ = nullptr;
  int64_t capacity_ = 0;
};

}  // namespace inkstone::kernels
