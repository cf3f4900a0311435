// The statistics module against reference values computed with scipy
// (tools/make_stats_reference.py → tests/data/stats_reference.json).
#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <nlohmann/json.hpp>

#include "legion/stats/compare.hpp"
#include "legion/stats/descriptive.hpp"
#include "legion/stats/intervals.hpp"
#include "legion/stats/planning.hpp"
#include "legion/stats/trend.hpp"

namespace legion::stats {
namespace {

using nlohmann::json;

const json& reference() {
  static const json data = [] {
    std::ifstream in(std::string(LEGION_TEST_DATA) + "/stats_reference.json");
    return json::parse(in);
  }();
  return data;
}

// A section of the reference file, which must be there and hold something: a loop over an emptied
// or renamed section would otherwise check nothing and pass.
const json& section(const std::string& name) {
  const auto found = reference().find(name);
  if (found == reference().end()) throw std::runtime_error("stats_reference.json has no section '" + name + "'");
  if (found->empty()) throw std::runtime_error("stats_reference.json's section '" + name + "' is empty");
  return *found;
}

std::vector<double> sample(const std::string& name) { return section("samples").at(name).get<std::vector<double>>(); }

// Relative tolerance for values computed by the same formula in double precision.
void expect_close(double actual, double expected, const std::string& what, double tolerance = 1e-9) {
  EXPECT_NEAR(actual, expected, tolerance * std::max(1.0, std::abs(expected))) << what;
}

TEST(StatsReference, DescriptiveStatisticsAndIntervals) {
  for (const auto& [name, expected] : section("descriptive").items()) {
    auto xs = sample(name);
    expect_close(mean(xs), expected["mean"], name + " mean");
    expect_close(median(xs), expected["median"], name + " median");
    expect_close(stddev(xs), expected["stddev"], name + " stddev");
    expect_close(mad(xs), expected["mad"], name + " mad");
    expect_close(iqr(xs), expected["iqr"], name + " iqr");
    expect_close(quantile(xs, 0.1), expected["q10"], name + " q10");
    expect_close(quantile(xs, 0.9), expected["q90"], name + " q90");
    auto t = t_interval_mean(xs);
    expect_close(t.lower, section("t_interval").at(name)[0], name + " t lower");
    expect_close(t.upper, section("t_interval").at(name)[1], name + " t upper");
    auto m = median_order_statistic_interval(xs);
    const auto& expected_m = section("median_interval").at(name);
    EXPECT_EQ(m.bounded, !expected_m.is_null()) << name;
    if (!expected_m.is_null()) {
      EXPECT_EQ(m.lower, expected_m[0].get<double>()) << name;
      EXPECT_EQ(m.upper, expected_m[1].get<double>()) << name;
    }
  }
}

TEST(StatsReference, TwoSampleComparisons) {
  for (const auto& c : section("comparisons")) {
    auto label = c["a"].get<std::string>() + " vs " + c["b"].get<std::string>();
    auto a = sample(c["a"]), b = sample(c["b"]);
    if (c.contains("welch")) {
      auto w = welch_t(a, b);
      expect_close(w.statistic, c["welch"]["statistic"], label + " welch t");
      expect_close(w.df, c["welch"]["df"], label + " welch df");
      expect_close(w.p_value, c["welch"]["p_value"], label + " welch p", 1e-8);
    } else {
      EXPECT_THROW(welch_t(a, b), std::invalid_argument) << label;
    }
    auto u = mann_whitney_u(a, b);
    expect_close(u.u, c["mann_whitney"]["u"], label + " U");
    expect_close(u.p_value, c["mann_whitney"]["p_value"], label + " U p", 1e-8);
    expect_close(cliffs_delta(a, b), c["cliffs_delta"], label + " cliff");
    expect_close(vargha_delaney_a(a, b), c["vargha_delaney_a"], label + " VDA");
    if (c.contains("hodges_lehmann")) {
      auto hl = hodges_lehmann(a, b);
      expect_close(hl.point, c["hodges_lehmann"]["estimate"], label + " HL");
      EXPECT_EQ(hl.bounded, c["hodges_lehmann"]["bounded"].get<bool>()) << label;
      if (hl.bounded) {
        expect_close(hl.lower, c["hodges_lehmann"]["low"], label + " HL low");
        expect_close(hl.upper, c["hodges_lehmann"]["high"], label + " HL high");
      }
    }
    auto f = ratio_of_means_fieller(a, b);
    expect_close(f.point, c["fieller"]["estimate"], label + " ratio");
    EXPECT_EQ(f.bounded, c["fieller"]["bounded"].get<bool>()) << label;
    if (f.bounded) {
      expect_close(f.lower, c["fieller"]["low"], label + " Fieller low", 1e-8);
      expect_close(f.upper, c["fieller"]["high"], label + " Fieller high", 1e-8);
    }
    if (c.contains("tost")) {
      auto e = tost(a, b, c["tost"]["margin"]);
      expect_close(e.p_lower, c["tost"]["p_lower"], label + " TOST lower", 1e-8);
      expect_close(e.p_upper, c["tost"]["p_upper"], label + " TOST upper", 1e-8);
      expect_close(e.p_value, c["tost"]["p_value"], label + " TOST", 1e-8);
    }
  }
}

TEST(StatsReference, PairedSignedRankAndHodgesLehmann) {
  for (const auto& c : section("paired")) {
    const auto d = c["d"].get<std::vector<double>>();
    const auto label = c["name"].get<std::string>();
    auto w = wilcoxon_signed_rank(d);
    expect_close(w.statistic, c["statistic"], label + " W");
    expect_close(w.p_value, c["p_value"], label + " p (" + std::string(w.method) + ")", 1e-9);
    auto hl = hodges_lehmann_paired(d);
    expect_close(hl.point, c["hodges_lehmann"]["estimate"], label + " HL");
    EXPECT_EQ(hl.bounded, c["hodges_lehmann"]["bounded"].get<bool>()) << label;
    if (hl.bounded) {
      expect_close(hl.lower, c["hodges_lehmann"]["low"], label + " HL low");
      expect_close(hl.upper, c["hodges_lehmann"]["high"], label + " HL high");
    }
  }
  auto pmf = signed_rank_distribution(6);
  auto expected = section("signed_rank_pmf_n6").get<std::vector<double>>();
  ASSERT_EQ(pmf.size(), expected.size());
  for (std::size_t w = 0; w < pmf.size(); ++w) expect_close(pmf[w], expected[w], "P(W+ = " + std::to_string(w) + ")");
  EXPECT_THROW(wilcoxon_signed_rank(std::vector<double>{0.0, 0.0}), std::invalid_argument);
}

TEST(StatsReference, KendallAndTheilSen) {
  for (const auto& c : section("kendall")) {
    auto x = c["x"].get<std::vector<double>>(), y = c["y"].get<std::vector<double>>();
    auto k = kendall_tau(x, y);
    expect_close(k.tau, c["tau"], c["name"].get<std::string>() + " tau");
    expect_close(k.p_value, c["p_value"], c["name"].get<std::string>() + " p", 1e-8);
  }
  for (const auto& c : section("theil_sen")) {
    auto x = c["x"].get<std::vector<double>>(), y = c["y"].get<std::vector<double>>();
    auto t = theil_sen(x, y);
    expect_close(t.slope, c["slope"], c["name"].get<std::string>() + " slope");
    expect_close(t.intercept, c["intercept"], c["name"].get<std::string>() + " intercept");
    expect_close(t.low, c["low"], c["name"].get<std::string>() + " low");
    expect_close(t.high, c["high"], c["name"].get<std::string>() + " high");
  }
}

TEST(StatsReference, BcaFormulaOnFixedReplicates) {
  for (const auto& c : section("bca")) {
    auto xs = sample(c["sample"]);
    auto replicates = c["replicates"].get<std::vector<double>>();
    Statistic statistic = c["statistic"] == "mean" ? Statistic([](std::span<const double> v) { return mean(v); })
                                                   : Statistic([](std::span<const double> v) { return median(v); });
    std::vector<double> jack, rest;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      rest = xs;
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
      jack.push_back(statistic(rest));
    }
    auto parts = bca_interval(c["theta_hat"], replicates, jack, 0.95);
    const std::string what = c["statistic"];
    expect_close(parts.acceleration, c["acceleration"], what + " acceleration");
    expect_close(parts.alpha1, c["alpha1"], what + " alpha1");
    expect_close(parts.alpha2, c["alpha2"], what + " alpha2");
    expect_close(parts.interval.lower, c["low"], what + " low");
    expect_close(parts.interval.upper, c["high"], what + " high");
  }
}

TEST(StatsReference, FamiliesOfComparisons) {
  auto p = section("holm").at("p").get<std::vector<double>>();
  auto h = holm(p), bh = benjamini_hochberg(p);
  for (std::size_t i = 0; i < p.size(); ++i) {
    expect_close(h[i], section("holm").at("holm")[i], "holm " + std::to_string(i));
    expect_close(bh[i], section("holm").at("bh")[i], "bh " + std::to_string(i));
  }
}

TEST(StatsReference, Planning) {
  for (const auto& c : section("power")) {
    EXPECT_EQ(repetitions_for_power(c["effect"], c["power"]), c["n"].get<std::size_t>()) << c.dump();
    expect_close(two_sample_power(c["effect"], c["n"]), c["power_at_n"], "power", 1e-7);
  }
  for (const auto& c : section("half_width"))
    EXPECT_EQ(repetitions_for_half_width(sample(c["sample"]), c["relative_half_width"]), c["n"].get<std::size_t>()) << c.dump();
}

TEST(StatsReference, UniversalScalabilityLawMatchesCurveFit) {
  const auto& c = section("usl");
  auto n = c["concurrency"].get<std::vector<double>>(), x = c["throughput"].get<std::vector<double>>();
  auto fit = fit_usl(n, x);
  EXPECT_TRUE(fit.converged);
  const Estimate* params[] = {&fit.lambda, &fit.sigma, &fit.kappa};
  for (int i = 0; i < 3; ++i) {
    expect_close(params[i]->point, c["estimate"][i], "USL estimate " + std::to_string(i), 1e-5);
    expect_close(params[i]->lower, c["low"][i], "USL low " + std::to_string(i), 1e-4);
    expect_close(params[i]->upper, c["high"][i], "USL high " + std::to_string(i), 1e-4);
  }
  EXPECT_GT(fit.peak_concurrency(), 30);
  EXPECT_LT(fit.peak_concurrency(), 60);
}

}  // namespace
}  // namespace legion::stats
