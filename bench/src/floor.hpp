#pragma once
// The machine's floor: the fastest a request and its answer can cross 127.0.0.1 here. Machines of
// one kind differ by up to eight times in it, and load moves it, so every run probes it in its own
// time slice, between its rounds (runner.cpp), and the reports state overhead as a multiple of it
// (docs/performance.md#the-floor-in-every-run). legion-loopback-pingpong prints the same probe.
#include <cstddef>

namespace legion::bench {

struct FloorProbeResult {
  double median_us = 0, p99_us = 0;
  int exchanges = 0;
};

// Where the probe's two threads run. Floating: where the scheduler puts them, on two CPUs as a rule,
// so each message wakes the other CPU — on a virtual machine whose idle CPUs halt, that wake-up
// costs tens of microseconds (docs/performance.md#the-floor-in-every-run). One CPU: both pinned to
// the CPU the caller runs on, so a message is a context switch on that CPU instead.
enum class Placement { floating, one_cpu };

// Two threads exchange `bytes`-byte messages over TCP on loopback (TCP_NODELAY, blocking sockets),
// `exchanges` times; each round trip is timed on the client's side. Throws std::runtime_error when
// a socket call fails.
FloorProbeResult loopback_round_trip(int exchanges, Placement placement = Placement::floating, std::size_t bytes = 512);

// One keep-alive HTTP/1.1 exchange with a server that does no work, `exchanges` times: the client
// sends a pre-encoded POST with a `body_bytes` body in one write, the server reads it whole and
// answers a canned 200 in one write, the client reads until the answer is complete. What any HTTP
// client and server pair adds to the bare round trip at the least (headers, two reads per side).
FloorProbeResult no_work_http_exchange(int exchanges, Placement placement = Placement::floating, std::size_t body_bytes = 512);

}  // namespace legion::bench
