#pragma once
// The `inkstone` command line: each command registers its CLI11 subcommand and the function
// that runs it. Commands hold no math: they parse, call the library, and print.
#include <CLI/CLI.hpp>

namespace inkstone::cli {

// Options shared by every command (set before the command runs).
struct GlobalOptions {
  int threads = 0;  // 0: INKSTONE_THREADS or the number of cores
};

void add_train_command(CLI::App& app);
void add_train_line_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_finetune_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_read_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_synth_command(CLI::App& app);
void add_synth_pieces_command(CLI::App& synth);  // `synth pieces`, added by add_synth_command
void add_summary_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_bench_serve_command(CLI::App& bench);  // `bench serve`, added by add_bench_command
void add_bench_read_command(CLI::App& bench);   // `bench read`, added by add_bench_command
void add_plot_command(CLI::App& app);

}  // namespace inkstone::cli
