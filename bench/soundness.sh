#!/usr/bin/env bash
# The soundness property test in long mode (issue 8): random specs compared across the
# default search, the unbounded search, --naive and random walks. Not a timed test.
#   bench/soundness.sh [RUNS]   (default 10000; about 0.3 s a spec on one core)
set -euo pipefail
cd "$(dirname "$0")/.."
SOUNDNESS_RUNS="${1:-10000}" npx vitest run test/explore/soundness.test.ts --testTimeout=0
