// The loopback floor: two threads exchange 512-byte messages over TCP on 127.0.0.1
// (TCP_NODELAY, blocking sockets), then a keep-alive HTTP exchange with a server that does no work,
// each with the threads where the scheduler puts them and with both on one CPU, and each round
// trip's median and p99 are printed. No HTTP client and server pair on the machine
// can answer faster than this. Every run of legion-bench takes the same probes between its rounds
// (bench/src/floor.hpp); this prints them on their own.
// Usage: legion-loopback-pingpong [ROUNDS]
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

#include "floor.hpp"

int main(int argc, char** argv) {
  const long rounds = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 50'000;
  if (rounds < 100 || rounds > 10'000'000) {
    std::fprintf(stderr, "legion-loopback-pingpong: ROUNDS must be between 100 and 10000000\n");
    return 2;
  }
  try {
    using legion::bench::Placement;
    for (auto [placement, where] : {std::pair{Placement::floating, "threads floating"}, std::pair{Placement::one_cpu, "both on one CPU"}}) {
      const auto bare = legion::bench::loopback_round_trip(static_cast<int>(rounds), placement);
      std::printf("loopback 512-byte round trip, %s: median %.1f us, p99 %.1f us (%ld rounds)\n", where, bare.median_us, bare.p99_us, rounds);
      const auto http = legion::bench::no_work_http_exchange(static_cast<int>(rounds), placement);
      std::printf("no-work HTTP exchange (512-byte body), %s: median %.1f us, p99 %.1f us (%ld rounds)\n", where, http.median_us, http.p99_us, rounds);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "legion-loopback-pingpong: %s\n", e.what());
    return 1;
  }
}
