// The tutorial's Keras program (sections 5.2-5.4) in C++, statement for statement.
// Build: part of the CMake project (example_seed_cnn). Run: INKSTONE_DATA=/path ./example_seed_cnn
#include <cstdio>
#include <memory>
#include <string>

#include "inkstone/inkstone.hpp"

int main(int argc, char** argv) try {
  // Optional seed (weights and shuffling), default 1: ./example_seed_cnn [SEED]
  const uint64_t seed = argc > 1 ? std::stoull(argv[1]) : 1;
  using namespace inkstone;

  // (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
  DataOptions data_options;
  data_options.allow_download = true;
  DatasetSplits mnist = load_dataset("mnist", data_options);
  // x_train = x_train.reshape((60000, 28, 28, 1)) / 255.0 ; likewise x_test
  //   Images stay uint8; the loader scales every batch to [0, 1] (Normalization{} = x / 255).
  // y_train = keras.utils.to_categorical(y_train) ; likewise y_test
  //   Integer labels are used directly: the loss treats label k as the one-hot row e_k.

  // model = keras.Sequential([...])
  Sequential model;
  model.add(std::make_unique<Conv2D>(32, std::array{3, 3}, std::array{1, 1}, Padding::kValid,
                                     Activation::kRelu));
  model.add(std::make_unique<MaxPooling2D>(std::array{2, 2}));
  model.add(std::make_unique<Conv2D>(64, std::array{3, 3}, std::array{1, 1}, Padding::kValid,
                                     Activation::kRelu));
  model.add(std::make_unique<MaxPooling2D>(std::array{2, 2}));
  model.add(std::make_unique<Conv2D>(64, std::array{3, 3}, std::array{1, 1}, Padding::kValid,
                                     Activation::kRelu));
  model.add(std::make_unique<Flatten>());
  model.add(std::make_unique<Dense>(64, Activation::kRelu));
  model.add(std::make_unique<Dense>(10, Activation::kSoftmax));
  model.build(Shape{1, 28, 28}, seed);  // input_shape=(28, 28, 1), channels first
  std::printf("%s", model.summary().c_str());

  // model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
  model.compile(std::make_unique<Adam>(), make_loss("categorical_crossentropy"));

  // model.fit(x_train, y_train, epochs=5, batch_size=64, validation_data=(x_test, y_test))
  FitOptions fit_options;
  fit_options.epochs = 5;
  fit_options.batch_size = 64;
  fit_options.seed = seed;
  fit_options.validation = &mnist.test;
  fit_options.on_epoch = [](const EpochStats& s) {
    std::printf(
        "Epoch %d/%d - loss: %.4f - accuracy: %.4f - val_loss: %.4f - val_accuracy: %.4f"
        " - %.1fs\n",
        s.epoch, s.epochs, s.loss, s.accuracy, s.val_loss, s.val_accuracy, s.seconds);
    std::fflush(stdout);
  };
  fit(model, mnist.train, fit_options);

  // test_loss, test_acc = model.evaluate(x_test, y_test)
  EvalResult test = evaluate(model, mnist.test);
  // print('Test accuracy:', test_acc)
  std::printf("Test accuracy: %.4f\n", test.accuracy);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "seed_cnn: error: %s\n", e.what());
  return 1;
}
