//===- Bfloat16.cpp - float to bfloat16 conversions for generated code ----===//
//
// LLVM lowers `fptrunc float to bfloat` to a call to __truncsfbf2 (and
// double to __truncdfbf2), which compiler-rt provides but Debian 12's libgcc
// does not. loomrt defines them so that models using bf16 link anywhere.
// Rounding is to nearest, ties to even; NaNs stay (quiet) NaNs.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstring>

static __bf16 bitsToBf16(uint16_t bits) {
  __bf16 out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

extern "C" __bf16 __truncsfbf2(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffff) > 0x7f800000) // NaN: keep the sign, force quiet
    return bitsToBf16(uint16_t((bits >> 16) | 0x0040));
  uint32_t roundingBias = 0x7fff + ((bits >> 16) & 1);
  return bitsToBf16(uint16_t((bits + roundingBias) >> 16));
}

extern "C" __bf16 __truncdfbf2(double value) {
  // Through float: double rounding can differ from direct rounding in the
  // last bit for a few values; ONNX's reference casts through float too.
  return __truncsfbf2(float(value));
}
