#!/usr/bin/env bash
# The model server against a server that does no work, alternated in one slice, at 1, 8 and 64 connections.
# Usage: bench/model_server_ceiling.sh   (BUILD_DIR=build by default; needs wrk, Debian package wrk). See docs/performance.md.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
B=${BUILD_DIR:-build}/bench
$B/legion-canned-http 18711 2 > /tmp/canned.log 2>&1 &
CANNED=$!
$B/legion-bench oracle --scenario single-tool --port 18712 > /tmp/oracle.log 2>&1 &
ORACLE=$!
sleep 2
for round in 1 2; do
  for conns in 1 8 64; do
    threads=$(( conns == 1 ? 1 : 2 ))
    for port in 18711 18712; do
      out=$(wrk -t$threads -c$conns -d6s -s bench/oracle_load.lua http://127.0.0.1:$port/v1/chat/completions 2>&1)
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '/Latency/ {print $2}')
      errs=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ')
      echo "round=$round conns=$conns port=$port rps=$rps mean_latency=$p50 $errs"
    done
  done
  $B/legion-loopback-pingpong 20000 2>&1 | tail -2
done
kill $CANNED; kill -INT $ORACLE; wait 2>/dev/null
tail -5 /tmp/oracle.log
