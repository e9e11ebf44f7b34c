// First contact: `dsr help [COMMAND...]`, "did you mean" for commands and
// options, an example in every group's help, the global options named in
// every command's help, and `dsr __complete`, which the shell completions
// call so that they are generated from the command tree and cannot drift.
#pragma once
#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "cli/context.hpp"

namespace dsr::cli {

// The candidates closest to `word` (edit distance with transpositions, at
// most 2 and less than half the word; or those it is a prefix of), best first.
std::vector<std::string> closest(const std::string& word, const std::vector<std::string>& candidates);
// ", did you mean X?" / ", did you mean X or Y?" / "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// Adds `dsr help [COMMAND...]` to the command list; show_help answers it.
void add_help_command(CLI::App& app);
void show_help(CLI::App& app, const std::vector<std::string>& words, std::ostream& out);
// The index of the first word that is not a global option or its value.
size_t first_command_word(CLI::App& app, const std::vector<std::string>& args);
// Once every command is added: footers (group examples, global options).
void finish_help(CLI::App& app);

// A parse error said the way dsr says it: the command or option that is not
// there, with "did you mean", or "" to keep CLI11's message.
std::string command_problem(CLI::App& app, const std::vector<std::string>& args);
std::string option_problem(CLI::App& app, const std::vector<std::string>& args);
// "dsr key add": the command the words name (for "Run 'dsr help ...'").
std::string command_path(CLI::App& app, const std::vector<std::string>& args);

// "'dsr batch' (pid 4242, running since 2026-11-30T22:41:07Z)": the process
// that holds the vault's write lock, or "" when none can be named.
std::string lock_holder(CLI::App& app, const std::string& db);

// `dsr __complete WORD... CURRENT`: one candidate a line ("value\tdescription"),
// then a directive line: ":none" (no files), ":nospace" (the candidate is
// incomplete, as `name=`), ":files" (complete file names). Subject, slot and
// request values only when a key file opens the vault without a prompt.
void complete(CLI::App& app, Context& ctx, std::vector<std::string> words, std::ostream& out);

}  // namespace dsr::cli
