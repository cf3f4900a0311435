#pragma once
// Documents: every file the project publishes is a rendering of one model — what the analysis made
// of a run, of several runs, of a stress run, of a calibration, of an A/B comparison. A Document
// lists its renderings, one function from the model to text per file, and only formats: the
// numbers are in the model already. Every document is registered once in documents()
// (report/src/documents.cpp), so that `legion-bench list` and the golden tests see each of them.
// A document's PDF is its HTML rendering printed by print_pdf, the one PDF path.
#include <filesystem>
#include <functional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace legion::report {

template <typename Model>
struct Rendering {
  std::string name;         // unique within the document, lower case: selectable by `--format`
  std::string format;       // md, html, json or csv; renderings of one kind share it
  std::string file_name;    // the file it writes into the output folder
  std::string description;
  std::function<void(std::ostream&, const Model&)> render;
};

template <typename Model>
struct Document {
  std::string name;  // unique among documents, lower case
  std::string description;
  std::vector<Rendering<Model>> renderings;
  // Non-empty: the document also has this PDF file, its "html" rendering printed (format "pdf").
  std::string pdf_file;
};

// A document without its model's type: what `legion-bench list` and the tests iterate.
struct DocumentInfo {
  struct File {
    std::string name, format, file_name, description;
  };
  std::string name, description;
  std::vector<File> files;  // the renderings, then the PDF
};

template <typename Model>
DocumentInfo describe(const Document<Model>& document) {
  DocumentInfo info{document.name, document.description, {}};
  for (const auto& r : document.renderings) info.files.push_back({r.name, r.format, r.file_name, r.description});
  if (!document.pdf_file.empty())
    info.files.push_back({"pdf", "pdf", document.pdf_file, "the HTML page printed by headless Chromium"});
  return info;
}

// What writing a document wrote, and why the rest is missing.
struct Artifacts {
  std::vector<std::string> written;                          // file names, in the order written
  std::vector<std::pair<std::string, std::string>> missing;  // file name, reason
  bool complete() const { return missing.empty(); }
  void add(const Artifacts& other);
};

// The files of `info` named by a comma-separated list of formats or rendering names
// (case-insensitive; "all" or empty: every one), in the document's order. Throws
// std::invalid_argument listing the known names for an unknown one.
std::vector<DocumentInfo::File> select_files(const DocumentInfo& info, const std::string& formats);

// Prints an HTML page to `pdf` with headless Chromium through a temporary copy of the page; throws
// with the reason when there is no complete PDF (nothing is left behind then).
void print_pdf(const std::string& page, const std::filesystem::path& pdf);

// Replaces the file's content in one step: readers see the old or the new file, never a torn one.
// On failure the temporary file is removed and the message names the file and the system's reason.
void write_file_atomically(const std::filesystem::path& file, const std::string& content);

// The text of the rendering named `name` of `document` for `model` (what its file would hold);
// throws std::invalid_argument for a name the document does not have.
template <typename Model>
std::string render(const Document<Model>& document, const std::string& name, const Model& model) {
  for (const auto& r : document.renderings)
    if (r.name == name) {
      std::ostringstream text;
      r.render(text, model);
      return text.str();
    }
  throw std::invalid_argument("document '" + document.name + "' has no rendering '" + name + "'");
}

// Writes the selected files of `document` for `model` into `dir`, each atomically; one that fails
// is listed with its reason and the others still write.
template <typename Model>
Artifacts write_document(const std::filesystem::path& dir, const Document<Model>& document, const Model& model,
                         const std::string& formats = "") {
  Artifacts artifacts;
  std::error_code created;
  std::filesystem::create_directories(dir, created);
  std::string page;  // the HTML, rendered once for the .html file and the PDF
  auto html_page = [&]() -> const std::string& {
    if (page.empty())
      for (const auto& r : document.renderings)
        if (r.format == "html") {
          std::ostringstream text;
          r.render(text, model);
          page = text.str();
          break;
        }
    return page;
  };
  for (const auto& file : select_files(describe(document), formats)) {
    try {
      if (file.format == "pdf") {
        print_pdf(html_page(), dir / file.file_name);
      } else {
        for (const auto& r : document.renderings) {
          if (r.name != file.name) continue;
          if (r.format == "html") {
            write_file_atomically(dir / r.file_name, html_page());
          } else {
            std::ostringstream text;
            r.render(text, model);
            write_file_atomically(dir / r.file_name, text.str());
          }
        }
      }
      artifacts.written.push_back(file.file_name);
    } catch (const std::exception& e) {
      artifacts.missing.emplace_back(file.file_name, e.what());
    }
  }
  return artifacts;
}

// Every document the project publishes, in the order `legion-bench list` shows them.
std::vector<DocumentInfo> documents();

}  // namespace legion::report
