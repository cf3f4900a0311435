#pragma once
// Published reference figures (datasets/published/*.yaml): one entry per figure that a paper,
// repository or article states, with where it says so, the setup it states, and what of it can be
// compared with a measurement on this machine. docs/reproducing.md describes the fields.
#include <filesystem>
#include <string>
#include <vector>

namespace legion::datasets {

// What of a figure transfers to another machine.
enum class Comparable { absolute_time, ratio_between_frameworks, token_count, slope, bytes, memory };

// "absolute-time", "ratio-between-frameworks", "token-count", "slope", "bytes", "memory".
std::string to_string(Comparable c);

struct PublishedSource {
  std::string title;
  std::string authors;   // authors, or the repository's owner
  std::string address;   // URL, as text
  std::string where;     // section, table or figure; or file:line
  std::string accessed;  // YYYY-MM-DD
};

// As the source states it; "not stated" where it does not.
struct PublishedSetup {
  std::string frameworks;
  std::string model;
  std::string hardware;
  std::string workload;
};

struct PublishedFigure {
  std::string id;
  PublishedSource source;
  PublishedSetup setup;
  std::string stated_as;   // the source's own words or table cell for the figure
  double value = 0;
  std::string value_text;  // the value as written in the file
  std::string unit;
  Comparable comparable = Comparable::absolute_time;
  std::string normalisation;     // what makes it comparable on another machine, or why not
  double tolerance = 0;          // relative, > 0
  std::string tolerance_reason;
  std::string measures;          // what legion-bench runs to re-measure it
  std::filesystem::path file;    // the file it came from
};

// Every entry of every datasets/published/*.yaml, files in name order and entries in file order.
// DatasetError (file:line:column: what) on a bad entry or an id given twice, across files too.
std::vector<PublishedFigure> load_published();
// The same for the *.yaml files of `folder`.
std::vector<PublishedFigure> load_published(const std::filesystem::path& folder);

}  // namespace legion::datasets
