#pragma once
// Datasets users bring, named like the built-in ones wherever a dataset is given:
//   folder:DIR  image folders, one subfolder per class (the class names are the folder names,
//               sorted): DIR/train/<class>/ and DIR/test/<class>/, or only DIR/<class>/ (then the
//               last 20% of each class's images, in file-name order, are the test set). PNG,
//               JPEG and PGM/PPM of any size, colour or grey, either polarity; each image is
//               normalized MNIST-style to 28x28 (data/mnist_style.hpp).
//   csv:TRAIN[,TEST]  Kaggle-style CSV: one image per row, "label,p0,p1,...", square images of
//               0..255 pixels (784 values: 28x28); a header row is skipped. Without TEST, the
//               last 20% of each class are the test set.
//   idx:DIR     MNIST's own format: DIR/train-images-idx3-ubyte, train-labels-idx1-ubyte,
//               t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each may be .gz), and optionally
//               DIR/classes.txt with one class name per line (else the classes are numbered).
// Errors name the file (and the line for CSV) and what is wrong.
#include <string>

#include "inkstone/data/dataset.hpp"

namespace inkstone {

bool is_user_dataset(const std::string& name);  // "folder:...", "csv:..." or "idx:..."
DatasetSplits load_user_dataset(const std::string& name);

DatasetSplits load_idx_directory(const std::string& dir);
DatasetSplits load_image_folders(const std::string& dir);
DatasetSplits load_csv_dataset(const std::string& train_csv, const std::string& test_csv = "");

}  // namespace inkstone
