#pragma once
// The colours systems are drawn in, shared by the dashboard and the stress figures (internal).
#include <array>
#include <cstddef>

namespace legion::report::detail {

// Okabe & Ito's colour-blind-safe palette, in the order systems are assigned colours.
// Beyond its eight, four of Paul Tol's muted scheme (also distinguishable with colour-blindness),
// so that eleven systems and a baseline get a colour each.
constexpr std::array<const char*, 12> kPalette = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9",
                                                  "#F0E442", "#999999", "#882255", "#117733", "#332288", "#AA4499"};

inline const char* palette_colour(std::size_t index) { return kPalette[index % kPalette.size()]; }

}  // namespace legion::report::detail
