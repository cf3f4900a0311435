// The document registry, and what every document shares: choosing its files and printing its PDF.
#include "legion/report/document.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include "legion/report/calibration.hpp"
#include "legion/report/compare.hpp"
#include "legion/report/feature_matrix.hpp"
#include "legion/report/footprint.hpp"
#include "legion/report/publication.hpp"
#include "legion/report/reporters.hpp"
#include "legion/report/reproduce.hpp"
#include "legion/report/stress.hpp"
#include "legion/report/zero_io.hpp"

namespace legion::report {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

void Artifacts::add(const Artifacts& other) {
  written.insert(written.end(), other.written.begin(), other.written.end());
  missing.insert(missing.end(), other.missing.begin(), other.missing.end());
}

std::vector<DocumentInfo::File> select_files(const DocumentInfo& info, const std::string& formats) {
  std::vector<std::string> wanted;
  std::istringstream in(lower(formats));
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) wanted.push_back(item);
  const bool all = wanted.empty() || std::find(wanted.begin(), wanted.end(), "all") != wanted.end();
  auto named = [&](const DocumentInfo::File& f, const std::string& w) { return f.name == w || f.format == w; };
  for (const auto& item : wanted) {
    if (item == "all" || std::any_of(info.files.begin(), info.files.end(), [&](const auto& f) { return named(f, item); }))
      continue;
    std::string known_formats, names;
    for (const auto& f : info.files) {
      if (known_formats.find(" " + f.format + ",") == std::string::npos) known_formats += " " + f.format + ",";
      names += (names.empty() ? " " : ", ") + f.name;
    }
    throw std::invalid_argument("unknown report format '" + item + "' (known: all;" + known_formats + " or a reporter:" + names + ")");
  }
  std::vector<DocumentInfo::File> out;
  for (const auto& f : info.files)
    if (all || std::any_of(wanted.begin(), wanted.end(), [&](const auto& w) { return named(f, w); })) out.push_back(f);
  return out;
}

void print_pdf(const std::string& page, const std::filesystem::path& pdf) {
  // Through a temporary copy of the page, so that printing needs no other file of the document.
  const auto html = std::filesystem::temp_directory_path() / ("legion-report-" + std::to_string(::getpid()) + ".html");
  write_file_atomically(html, page);
  const auto why = render_pdf(html, pdf);
  std::error_code ignored;
  std::filesystem::remove(html, ignored);
  if (!why.empty()) throw std::runtime_error(why.starts_with("no PDF: ") ? why.substr(8) : why);
}

std::vector<DocumentInfo> documents() {
  return {
      describe(run_document()),
      describe(combined_document()),
      describe(publication_document()),
      describe(feature_matrix_document()),
      describe(calibration_document()),
      describe(comparison_document()),
      describe(zero_io_document()),
      describe(footprint_document()),
      describe(published_comparison_document()),
      describe(stress_document()),
      describe(stress_combined_document()),
      describe(performance_tuning_document()),
  };
}

}  // namespace legion::report
