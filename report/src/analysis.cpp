#include "legion/report/analysis.hpp"

#include "legion/report/escape.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "legion/stats/descriptive.hpp"

namespace legion::report {
namespace {

using nlohmann::json;

json bound(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json interval_pair(const std::optional<stats::Estimate>& e) {
  if (!e) return nullptr;
  return json::array({bound(e->lower), bound(e->upper)});
}

json estimate_json(const std::optional<stats::Estimate>& e) {
  if (!e) return nullptr;
  return {{"estimate", e->point}, {"low", bound(e->lower)}, {"high", bound(e->upper)}, {"bounded", e->bounded}};
}

std::string number(double v) {
  if (!std::isfinite(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream s;
  s << std::setprecision(4) << v;
  return s.str();
}

template <typename F>
void attempt(std::vector<std::string>& notes, F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    notes.push_back(e.what());
  }
}

}  // namespace

NamedSample read_sample_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  NamedSample s{file.filename().string(), {}};
  std::string line;
  for (int number_of_line = 1; std::getline(in, line); ++number_of_line) {
    auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    auto end = line.find_last_not_of(" \t\r") + 1;
    double v = 0;
    auto [ptr, ec] = std::from_chars(line.data() + start, line.data() + end, v);
    if (ec != std::errc{} || ptr != line.data() + end || !std::isfinite(v))
      throw std::runtime_error(file.string() + ":" + std::to_string(number_of_line) + ": not a number: '" +
                               line.substr(start, end - start) + "'");  // escaped where it is printed
    s.values.push_back(v);
  }
  if (s.values.empty()) throw std::runtime_error(file.string() + ": no values");
  return s;
}

Analysis analyze(const std::vector<NamedSample>& samples, const AnalysisOptions& options) {
  Analysis a;
  a.options = options;
  stats::BootstrapOptions bootstrap{options.resamples, options.seed, options.level};
  for (const auto& s : samples) {
    SampleSummary m;
    m.name = s.name;
    m.n = s.values.size();
    m.mean = stats::mean(s.values);
    m.median = stats::median(s.values);
    m.stddev = stats::stddev(s.values);
    m.min = stats::min(s.values);
    m.max = stats::max(s.values);
    attempt(m.notes, [&] { m.mean_ci = stats::t_interval_mean(s.values, options.level); });
    attempt(m.notes, [&] { m.median_ci = stats::bootstrap_median(s.values, bootstrap).bca; });
    auto outliers = stats::tukey_outliers(s.values);
    m.mild_outliers = outliers.mild.size();
    m.severe_outliers = outliers.severe.size();
    if (m.stddev == 0 && m.n > 1) m.notes.push_back(s.name + " is constant: every value is " + number(m.mean));
    a.samples.push_back(std::move(m));
  }
  // Each later sample against the first: a is the first, so shifts are first − later.
  std::vector<SamplePair> pairs;
  for (std::size_t i = 1; i < samples.size(); ++i) pairs.push_back({samples[0].values, samples[i].values});
  const auto pairwise = compare_pairs(pairs, options, Interval::shift);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto [x, y] = pairs[i];
    const auto& p = pairwise[i];
    Comparison c;
    c.a = samples[0].name;
    c.b = samples[i + 1].name;
    attempt(c.notes, [&] { c.welch = stats::welch_t(x, y); });
    c.notes.insert(c.notes.end(), p.notes.begin(), p.notes.end());
    c.mann_whitney = p.test;
    c.cliffs_delta = p.cliffs_delta;
    c.vargha_delaney_a = stats::vargha_delaney_a(x, y);
    c.hodges_lehmann = p.interval;
    attempt(c.notes, [&] { c.ratio_of_means = stats::ratio_of_means_fieller(x, y, options.level); });
    if (options.margin) attempt(c.notes, [&] { c.equivalence = stats::tost(x, y, *options.margin, options.alpha); });
    c.p_value_adjusted = p.p_adjusted;
    c.significant = p.significant;
    a.comparisons.push_back(std::move(c));
  }
  return a;
}

json to_json(const Analysis& a) {
  json j = {{"alpha", a.options.alpha},
            {"level", a.options.level},
            {"seed", a.options.seed},
            {"resamples", a.options.resamples},
            {"correction", a.options.correction},
            {"margin", a.options.margin ? json(*a.options.margin) : json(nullptr)},
            {"significance_test", "mann_whitney_u"},
            {"samples", json::array()},
            {"comparisons", json::array()}};
  for (const auto& s : a.samples)
    j["samples"].push_back({{"name", s.name},
                            {"n", s.n},
                            {"mean", s.mean},
                            {"median", s.median},
                            {"stddev", s.stddev},
                            {"min", s.min},
                            {"max", s.max},
                            {"mean_ci", interval_pair(s.mean_ci)},
                            {"median_ci", interval_pair(s.median_ci)},
                            {"outliers", {{"mild", s.mild_outliers}, {"severe", s.severe_outliers}}},
                            {"notes", s.notes}});
  for (const auto& c : a.comparisons) {
    json welch = c.welch ? json{{"statistic", c.welch->statistic}, {"df", c.welch->df}, {"p_value", c.welch->p_value}} : json(nullptr);
    json mwu = c.mann_whitney ? json{{"statistic", c.mann_whitney->u}, {"p_value", c.mann_whitney->p_value}, {"exact", c.mann_whitney->exact}}
                              : json(nullptr);
    j["comparisons"].push_back({{"a", c.a},
                                {"b", c.b},
                                {"welch_t", welch},
                                {"mann_whitney_u", mwu},
                                {"cliffs_delta", c.cliffs_delta},
                                {"cliffs_delta_magnitude", stats::cliffs_delta_magnitude(c.cliffs_delta)},
                                {"vargha_delaney_a", c.vargha_delaney_a},
                                {"vargha_delaney_magnitude", stats::vargha_delaney_magnitude(c.vargha_delaney_a)},
                                {"hodges_lehmann", estimate_json(c.hodges_lehmann)},
                                {"ratio_of_means", estimate_json(c.ratio_of_means)},
                                {"p_value_adjusted", c.p_value_adjusted},
                                {"significant", c.significant},
                                {"equivalence", c.equivalence ? json{{"p_value", c.equivalence->p_value},
                                                                     {"equivalent", c.equivalence->equivalent}}
                                                              : json(nullptr)},
                                {"notes", c.notes}});
  }
  return j;
}

void write_analysis_table(std::ostream& out, const Analysis& a) {
  const int level = static_cast<int>(std::lround(a.options.level * 100));
  out << std::left << std::setw(20) << "sample" << std::right << std::setw(6) << "n" << std::setw(12) << "median"
      << std::setw(26) << ("median " + std::to_string(level) + "% CI") << std::setw(12) << "mean" << std::setw(12) << "stddev"
      << std::setw(10) << "outliers" << "\n";
  for (const auto& s : a.samples) {
    std::string ci = s.median_ci ? "[" + number(s.median_ci->lower) + ", " + number(s.median_ci->upper) + "]" : "—";
    out << std::left << std::setw(20) << printable(s.name) << std::right << std::setw(6) << s.n << std::setw(12) << number(s.median)
        << std::setw(26) << ci << std::setw(12) << number(s.mean) << std::setw(12) << number(s.stddev) << std::setw(10)
        << (s.mild_outliers + s.severe_outliers) << "\n";
    for (const auto& note : s.notes) out << "    note: " << note << "\n";
  }
  if (a.comparisons.empty()) return;
  out << "\nEach sample against " << printable(a.comparisons.front().a) << " (Mann-Whitney U, " << a.options.correction
      << "-adjusted, alpha = " << a.options.alpha
      << "; shift = Hodges-Lehmann median of a - b):\n";
  for (const auto& c : a.comparisons) {
    out << "  " << std::left << std::setw(20) << printable(c.b) << std::right;
    if (c.hodges_lehmann)
      out << " shift " << number(c.hodges_lehmann->point) << " [" << number(c.hodges_lehmann->lower) << ", "
          << number(c.hodges_lehmann->upper) << "]";
    if (c.ratio_of_means)
      out << "  ratio of means " << number(c.ratio_of_means->point)
          << (c.ratio_of_means->bounded ? " [" + number(c.ratio_of_means->lower) + ", " + number(c.ratio_of_means->upper) + "]"
                                        : " [unbounded]");
    out << "  p=" << number(c.p_value_adjusted) << "  Cliff's delta " << number(c.cliffs_delta) << " ("
        << stats::cliffs_delta_magnitude(c.cliffs_delta) << ")  "
        << (c.significant ? "SIGNIFICANT" : "~ no significant difference");
    if (c.equivalence)
      out << (c.equivalence->equivalent ? "; EQUIVALENT within ±" : "; not shown equivalent within ±") << number(*a.options.margin)
          << " (TOST p=" << number(c.equivalence->p_value) << ")";
    out << "\n";
    for (const auto& note : c.notes) out << "    note: " << note << "\n";
  }
}

json trend_json(const NamedSample& sample, double level) {
  std::vector<double> time(sample.values.size());
  for (std::size_t i = 0; i < time.size(); ++i) time[i] = static_cast<double>(i);
  auto t = stats::theil_sen(time, sample.values, level);
  auto k = stats::mann_kendall(sample.values);
  return {{"theil_sen", {{"slope", t.slope}, {"intercept", t.intercept}, {"low", t.low}, {"high", t.high}}},
          {"kendall", {{"tau", k.tau}, {"p_value", k.p_value}, {"exact", k.exact}}},
          {"n", sample.values.size()}};
}

}  // namespace legion::report
