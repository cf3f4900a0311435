#pragma once
// Wall-clock times as the project writes them: in UTC, through strftime.
#include <ctime>
#include <string>

namespace legion::bench {

inline constexpr const char* kIsoUtc = "%Y-%m-%dT%H:%M:%SZ";   // 2026-12-06T04:46:12Z: when a run started
inline constexpr const char* kCompactUtc = "%Y%m%dT%H%M%SZ";  // 20261206T044612Z: inside a run id

// `when` (now, unless given) in UTC, written by strftime's `format`.
inline std::string utc_timestamp(const char* format, std::time_t when = std::time(nullptr)) {
  std::tm tm{};
  gmtime_r(&when, &tm);
  char buf[64];
  return std::string(buf, std::strftime(buf, sizeof buf, format, &tm));
}

}  // namespace legion::bench
