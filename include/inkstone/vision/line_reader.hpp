#pragma once
// Reading a digit string with a line recognizer: the whole line is normalized to one strip
// (data/line_input.hpp) and a model scores each column band ("frame") of it; the frames are
// decoded as CTC decodes them (the best class of each frame, repeats merged, blanks dropped).
// No cuts are searched for, so touching digits cost nothing extra. Like the cut-based reader
// (vision/reading.hpp) this module takes the model as a function.
#include <functional>
#include <string>
#include <vector>

#include "inkstone/data/line_input.hpp"
#include "inkstone/vision/reading.hpp"

namespace inkstone {

// Per-frame class probabilities of one strip: frames * classes values, row-major.
using LineScorer = std::function<std::vector<float>(const Image& strip)>;

struct LineReaderOptions {
  LineInputOptions input;  // the strip the model reads
  int frames = 0;          // frames per strip (the model's output width)
  int classes = 11;        // classes per frame, the blank included
  int blank = 10;          // the blank's class number
  // Frame f covers strip columns [frame_x0 + f frame_step, frame_x0 + (f + 1) frame_step)
  // (for line-cnn: 4-pixel columns, the first two lost to its 1x3 and 4x3 valid convolutions).
  double frame_step = 4, frame_x0 = 8;
  std::vector<std::string> class_names;  // names of the classes (numbers when missing)
  int top = 3;                           // classes kept in DigitReading::top
  int64_t max_pixels = int64_t{4096} * 4096;
};

// Reads the digit string of an image. Each DigitReading holds the class of a run of frames, its
// confidence (the highest probability of that class over the run), the top classes of that
// frame (the blank left out) and its box: the image columns of the run's frames, the ink's rows.
// Throws Error when the image holds no ink or the scorer returns the wrong number of values.
Reading read_digit_line(const Image& image, const LineScorer& score,
                        const LineReaderOptions& options);

// The decoding on its own (for a strip already scored): probabilities are frames x classes.
Reading decode_line(const std::vector<float>& probabilities, const LineReaderOptions& options,
                    const LinePlacement& placement);

}  // namespace inkstone
