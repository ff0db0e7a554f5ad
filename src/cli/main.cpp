// inkstone: train, evaluate and inspect handwriting recognizers from the command line.
// Errors print one line to stderr and exit 1; usage errors exit 2.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "inkstone: train, evaluate and fine-tune handwriting recognizers (MNIST family) in C++.\n"
      "Run `inkstone COMMAND --help` for the options of a command.",
      "inkstone"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "inkstone 0.1.0");
  int threads = 0;
  app.add_option("--threads", threads, "Worker threads (default: INKSTONE_THREADS or all cores)")
      ->check(CLI::Range(1, 1024));
  inkstone::cli::add_train_command(app);
  inkstone::cli::add_train_line_command(app);
  inkstone::cli::add_eval_command(app);
  inkstone::cli::add_compare_command(app);
  inkstone::cli::add_finetune_command(app);
  inkstone::cli::add_predict_command(app);
  inkstone::cli::add_read_command(app);
  inkstone::cli::add_serve_command(app);
  inkstone::cli::add_synth_command(app);
  inkstone::cli::add_summary_command(app);
  inkstone::cli::add_data_command(app);
  inkstone::cli::add_bench_command(app);
  inkstone::cli::add_plot_command(app);
  // Threads are set before any command callback runs (callbacks run after the whole parse).
  app.parse_complete_callback([&] {
    if (threads > 0) inkstone::kernels::ThreadPool::set_num_threads(threads);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const inkstone::Error& e) {
    std::fflush(stdout);
    std::cerr << "inkstone: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "inkstone: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
