#include "cli/context.hpp"

namespace dsr::cli {
void add_subject_commands(CLI::App&, Context&) {}
}  // namespace dsr::cli
