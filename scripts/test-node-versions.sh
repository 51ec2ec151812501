#!/usr/bin/env bash
# Runs the unit tests and the runtime-heavy integration tests under other Node.js versions
# (default: 22 and 24; pass others as arguments), after the main run on the machine's Node. Used
# by .ci/run.
#
# Each version gets its Node from npm (the node-<platform>-<arch> package that `npx node@22`
# installs; it carries the C headers too) and a copy of this work tree, in which better-sqlite3 is
# compiled for that version's ABI (node-gyp, with those headers: nothing is downloaded besides the
# npm package). The copy keeps the main tree's node_modules intact for Node 20.
# Prints one line per version with its result; fails if any version fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# The integration tests of the runtime pass (see below).
RUNTIME_TESTS=(
  test/billmgr.test.ts test/serve.test.ts test/upstream-client.test.ts test/fulfillment.test.ts
  test/checkout.pages.test.ts test/accounts.test.ts test/mail.test.ts test/stripe.test.ts
  test/webhooks.test.ts test/jobs.multiprocess.test.ts test/backup.test.ts test/chaos.test.ts
)

versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(22 24)
pkg="node-$(node -p process.platform)-$(node -p process.arch)"
scratch="$(mktemp -d /tmp/pb-node-versions-XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
summary=()
failed=0

for v in "${versions[@]}"; do
  base="$scratch/node$v"
  mkdir -p "$base/tree"
  echo "== Node $v: installing $pkg@$v from npm"
  npm install --prefix "$base/node" --no-save --no-audit --no-fund --loglevel=error "$pkg@$v" >/dev/null
  nodedir="$base/node/node_modules/$pkg"
  nodebin="$nodedir/bin/node"
  version="$("$nodebin" --version)"

  echo "== Node $version: copying the work tree and compiling better-sqlite3 for it"
  tar --exclude=./.git --exclude=./data -cf - . | tar -xf - -C "$base/tree"
  (
    cd "$base/tree"
    # build_from_source: skip prebuild-install's download attempt and compile with node-gyp.
    PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" npm_config_build_from_source=true \
      npm rebuild better-sqlite3 --loglevel=error >"$base/rebuild.log" 2>&1
  ) || { cat "$base/rebuild.log"; echo "== Node $version: better-sqlite3 did not compile"; summary+=("Node $version: better-sqlite3 did not compile"); failed=1; continue; }

  echo "== Node $version: npm test"
  start=$SECONDS
  set +e
  # This pass checks the runtime, not the product again: the main Node version ran every test on
  # both dialects. Here the unit tests and the integration tests that lean hardest on the runtime
  # (native SQLite, HTTP client and server, child processes, crypto, SMTP, the worker fleet) run
  # on SQLite, the chaos test at half size — within CI's time budget.
  (cd "$base/tree" && TEST_AGAINST=dist TEST_DIALECTS=sqlite CHAOS_ORDERS=100 PATH="$nodedir/bin:$PATH" \
    npm test -- $(find src -name '*.test.ts' | sort) "${RUNTIME_TESTS[@]}" 2>&1) | tee "$base/test.log"
  status=${PIPESTATUS[0]}
  set -e
  # npm test may run the suite in several batches (scripts/test.mjs): add their counts up.
  counts="$(awk '/^ℹ (tests|pass|fail) [0-9]+$/ { n[$2] += $3; seen = 1 }
    END { if (seen) printf "tests %d, pass %d, fail %d", n["tests"], n["pass"], n["fail"] }' "$base/test.log")"
  line="Node $version: ${counts:-no test summary} in $((SECONDS - start)) s — $([ "$status" -eq 0 ] && echo passed || echo FAILED)"
  echo "== $line"
  summary+=("$line")
  [ "$status" -eq 0 ] || failed=1
done

echo "== test suite on other Node versions:"
printf '   %s\n' "${summary[@]}"
exit "$failed"
