#!/usr/bin/env bash
# The soundness property tests in long mode (issues 8 and 9): random specs compared across the
# default search, the unbounded search, --naive and random walks; the symmetric search against
# the search without symmetry; the partitioned search (--workers, --shard) against the plain one;
# partial-order reduction (--por) against the unreduced and the naive search, exhaustive and bound
# by bound (POR_RUNS/2 specs at bounds 0, 1 and up to 3); task digests kept
# and lent by snapshots against digests taken afresh, and every search with its snapshots frozen
# against the same search unfrozen (copy-on-write), and call starts passed through against the
# search that enters every state, and every stronger fetch model against the weaker ones
# (test/explore/models.test.ts), and the two-phase search (--workers) against the single one
# with its parts in order and shuffled (test/explore/two-phase.test.ts), and the random probes of the
# progress display covering exactly what a complete search stores (test/explore/probes.test.ts),
# each on RUNS/10 random specs.
# Not timed tests.
#   bench/soundness.sh [RUNS] [SYMMETRY_RUNS] [PARTITION_RUNS] [POR_RUNS]
#   (defaults 10000, RUNS/10, RUNS/10 and RUNS/10; about 0.3 s, 2 s, 0.5 s and 0.2 s a spec on one core)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-10000}"
SOUNDNESS_RUNS="$RUNS" SYMMETRY_RUNS="${2:-$((RUNS / 10))}" PARTITION_RUNS="${3:-$((RUNS / 10))}" POR_RUNS="${4:-$((RUNS / 10))}" DIGEST_RUNS="$((RUNS / 10))" COW_RUNS="$((RUNS / 10))" FUSION_RUNS="$((RUNS / 10))" MODEL_RUNS="$((RUNS / 10))" TWO_PHASE_RUNS="$((RUNS / 10))" PROBE_RUNS="$((RUNS / 10))" \
  npx vitest run test/explore/soundness.test.ts test/explore/symmetry.test.ts test/explore/partition.test.ts test/explore/por.test.ts test/model/task-digests.test.ts test/model/copy-on-write.test.ts test/explore/fusion.test.ts test/explore/models.test.ts test/explore/two-phase.test.ts test/explore/probes.test.ts --testTimeout=0
