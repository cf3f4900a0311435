// The reporter registry: every output format of a run, registered here and nowhere else.
#include "legion/report/reporters.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "legion/report/escape.hpp"
#include "legion/report/feature_matrix.hpp"

namespace legion::report {
namespace {

// A reporter whose output is one text produced in memory and written atomically.
class TextReporter final : public Reporter {
 public:
  using Format = std::function<void(std::ostream&, const RunResults&)>;
  TextReporter(std::string name, std::string format, std::string file, std::string description, Format write)
      : name_(std::move(name)), format_(std::move(format)), file_(std::move(file)), description_(std::move(description)),
        write_(std::move(write)) {}
  std::string name() const override { return name_; }
  std::string format() const override { return format_; }
  std::string file_name() const override { return file_; }
  std::string description() const override { return description_; }
  void write(const std::filesystem::path& dir, const RunResults& results) const override {
    std::ostringstream text;
    write_(text, results);
    write_file_atomically(dir / file_, text.str());
  }

 private:
  std::string name_, format_, file_, description_;
  Format write_;
};

// The feature matrix for this run, from datasets/features.yaml; throws when the file cannot be read.
std::string feature_matrix_markdown(const RunResults& results) {
  std::ostringstream out;
  write_feature_matrix_markdown(out, load_feature_matrix(default_feature_matrix_file()), results);
  return out.str();
}

// The HTML page, with the feature matrix when datasets/features.yaml can be read (when it cannot,
// FEATURE_MATRIX.md's reporter says why).
void write_html_page(std::ostream& out, const RunResults& results) {
  std::string matrix;
  try {
    matrix = feature_matrix_markdown(results);
  } catch (const std::exception&) {
  }
  write_html(out, results, matrix);
}

// report.pdf: the HTML page printed by Chromium.
class PdfReporter final : public Reporter {
 public:
  std::string name() const override { return "pdf"; }
  std::string format() const override { return "pdf"; }
  std::string file_name() const override { return "report.pdf"; }
  std::string description() const override { return "report.html printed by headless Chromium"; }
  void write(const std::filesystem::path& dir, const RunResults& results) const override {
    std::ostringstream page;
    write_html_page(page, results);
    print_pdf(page.str(), dir / file_name());
  }
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

const std::vector<std::unique_ptr<Reporter>>& reporters() {
  static const auto all = [] {
    std::vector<std::unique_ptr<Reporter>> r;
    r.push_back(std::make_unique<TextReporter>(
        "json", "json", "results.json", "context block, records, statistics options, summaries and suite ratios",
        [](std::ostream& out, const RunResults& results) { out << json_text(results_json(results), 2) << "\n"; }));
    r.push_back(std::make_unique<TextReporter>("markdown", "md", "BENCHMARK_RESULTS.md",
                                               "summary, method, tables per scenario, failures and threats to validity",
                                               write_markdown));
    r.push_back(std::make_unique<TextReporter>("csv", "csv", "results.csv", "one row per record", write_records_csv));
    r.push_back(std::make_unique<TextReporter>("summaries-csv", "csv", "summaries.csv", "one row per scenario and system",
                                               write_summaries_csv));
    r.push_back(std::make_unique<TextReporter>(
        "feature-matrix", "md", "FEATURE_MATRIX.md", "capabilities by system, backed by this run or by citations",
        [](std::ostream& out, const RunResults& results) { out << feature_matrix_markdown(results); }));
    r.push_back(std::make_unique<TextReporter>("html", "html", "report.html",
                                               "self-contained page with SVG charts and the feature matrix", write_html_page));
    r.push_back(std::make_unique<PdfReporter>());
    return r;
  }();
  return all;
}

std::vector<const Reporter*> select_reporters(const std::string& formats) {
  std::vector<std::string> wanted;
  std::istringstream in(lower(formats));
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) wanted.push_back(item);
  const bool all = wanted.empty() || std::find(wanted.begin(), wanted.end(), "all") != wanted.end();
  for (const auto& item : wanted) {
    const bool known = item == "all" || std::any_of(reporters().begin(), reporters().end(), [&](const auto& r) {
                         return r->name() == item || r->format() == item;
                       });
    if (known) continue;
    std::string formats_known, names;
    for (const auto& r : reporters()) {
      if (formats_known.find(" " + r->format() + ",") == std::string::npos) formats_known += " " + r->format() + ",";
      names += (names.empty() ? " " : ", ") + r->name();
    }
    throw std::invalid_argument("unknown report format '" + item + "' (known: all;" + formats_known + " or a reporter:" + names + ")");
  }
  std::vector<const Reporter*> out;
  for (const auto& r : reporters())
    if (all || std::any_of(wanted.begin(), wanted.end(), [&](const auto& w) { return r->name() == w || r->format() == w; }))
      out.push_back(r.get());
  return out;
}

Artifacts write_artifacts(const std::filesystem::path& dir, const RunResults& results) {
  return write_artifacts(dir, results, select_reporters(""));
}

Artifacts write_artifacts(const std::filesystem::path& dir, const RunResults& results, const std::vector<const Reporter*>& selected) {
  Artifacts artifacts;
  std::error_code created;
  std::filesystem::create_directories(dir, created);
  // Each reporter on its own: one that fails is reported, the others still write.
  for (const auto* reporter : selected) {
    try {
      reporter->write(dir, results);
      artifacts.written.push_back(reporter->file_name());
    } catch (const std::exception& e) {
      artifacts.missing.emplace_back(reporter->file_name(), e.what());
    }
  }
  return artifacts;
}

Artifacts write_combined_artifacts(const std::filesystem::path& dir, const std::vector<RunResults>& runs,
                                   const std::vector<PublishedComparison>& published, const std::string& formats) {
  if (runs.empty()) throw std::invalid_argument("a combined report needs at least one run folder (with results.json)");
  std::vector<const RunResults*> all;
  for (const auto& run : runs) all.push_back(&run);
  std::set<std::string> wanted;
  for (const auto* r : select_reporters(formats)) wanted.insert(r->format());
  Artifacts artifacts;
  std::error_code created;
  std::filesystem::create_directories(dir, created);
  auto attempt = [&](const std::string& file, const std::function<void()>& write) {
    try {
      write();
      artifacts.written.push_back(file);
    } catch (const std::exception& e) {
      artifacts.missing.emplace_back(file, e.what());
    }
  };
  std::string matrix;  // the feature matrix of the first run's systems, as an appendix
  try {
    matrix = feature_matrix_markdown(runs.front());
  } catch (const std::exception&) {
  }
  std::ostringstream page;
  write_html(page, all, matrix, published);
  if (wanted.contains("md"))
    attempt("BENCHMARK_REPORT.md", [&] {
      std::ostringstream text;
      write_combined_markdown(text, all, published);
      write_file_atomically(dir / "BENCHMARK_REPORT.md", text.str());
    });
  if (wanted.contains("html")) attempt("report.html", [&] { write_file_atomically(dir / "report.html", page.str()); });
  if (wanted.contains("pdf"))
    attempt("report.pdf", [&] { print_pdf(page.str(), dir / "report.pdf"); });
  return artifacts;
}

void print_artifacts(std::ostream& out, std::ostream& errors, const Artifacts& artifacts, const std::filesystem::path& dir) {
  if (!artifacts.written.empty()) {
    out << "Wrote ";
    for (std::size_t i = 0; i < artifacts.written.size(); ++i)
      out << (i == 0 ? "" : i + 1 == artifacts.written.size() ? " and " : ", ") << artifacts.written[i];
    out << " to " << printable(dir.string()) << "\n";
  }
  for (const auto& [name, why] : artifacts.missing) errors << "Not written: " << name << " (" << printable(why) << ")\n";
}

}  // namespace legion::report
