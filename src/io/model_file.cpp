// PLACEHOLDER: replaced by the model file reader/writer.
#include "inkstone/io/model_file.hpp"
