#pragma once
// The 5x7 bitmap font of Canvas (private): one glyph per printable ASCII character.
#include <cstdint>

namespace inkstone::detail {

// Rows of the glyph of character c (32..126; others give '?'), top first; bit 4 is the leftmost
// pixel of a row.
const uint8_t* glyph_rows(char c);

}  // namespace inkstone::detail
