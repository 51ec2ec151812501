#!/usr/bin/env bash
# CI: builds the container image and smoke-tests it (docs/adr/0033). Used by .ci/run.
#   1. Docker: installs Debian's docker.io when missing and starts its daemon when it is down.
#   2. Base images: no registry is reachable from CI, so the images the Dockerfile starts FROM
#      (node:20-bookworm, node:20-bookworm-slim) are made here when absent: a Debian bookworm
#      root file system from debootstrap (with python3, make and g++ to compile better-sqlite3),
#      this machine's Node.js and npm, a `node` user — then `docker import`. Users get the real ones.
#   3. docker build, then a container on a fresh volume: /healthz (with the version), /readyz, the
#      price list, and one order against the built-in sandbox, paid from the CLI inside the
#      container, until it is active. Fails on any failure; removes what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=partnerbill:ci
NAME=pb-ci-smoke-$$

need=()
# The daemon decides: a machine may carry a docker CLI without dockerd (Debian's docker.io has both).
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  echo "== starting dockerd"
  (dockerd >/tmp/dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null
fi

if ! docker image inspect node:20-bookworm >/dev/null 2>&1 || ! docker image inspect node:20-bookworm-slim >/dev/null 2>&1; then
  echo "== building the base image from Debian packages (debootstrap)"
  root="$(mktemp -d /tmp/pb-base-XXXXXX)"
  trap 'rm -rf "$root"' EXIT
  # The Debian mirror this machine's apt already uses (its first "URIs:" or "deb" line).
  mirror="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1)"
  [ -n "$mirror" ] || mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)"
  debootstrap --variant=minbase --include=python3,make,g++,ca-certificates bookworm "$root" "$mirror" >/tmp/pb-debootstrap.log
  nodebin="$(command -v node)"
  npmdir="$(npm root -g)/npm"
  install -D -m 0755 "$nodebin" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include"
  cp -a "$npmdir" "$root/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # Node's headers, so node-gyp compiles better-sqlite3 without downloading them.
  headers="$(dirname "$(dirname "$nodebin")")/include/node"
  [ -d "$headers" ] && cp -a "$headers" "$root/usr/local/include/node"
  # This machine's CA bundle: npm in the build stage reaches the registry through whatever TLS
  # proxy the CI machine sits behind.
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV npm_config_nodedir=/usr/local' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' - node:20-bookworm >/dev/null
  docker tag node:20-bookworm node:20-bookworm-slim
fi

echo "== docker build"
start=$SECONDS
docker build -q -t "$IMAGE" . >/dev/null
echo "   built in $((SECONDS - start)) s, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"

cleanup() { docker rm -f "$NAME" >/dev/null 2>&1 || true; docker volume rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT
docker run -d --name "$NAME" -v "$NAME:/data" -p 127.0.0.1::8080 "$IMAGE" >/dev/null
port="$(docker port "$NAME" 8080/tcp | head -n1 | sed 's/.*://')"
base="http://127.0.0.1:$port"
echo "== smoke test on $base"
for _ in $(seq 1 90); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$NAME")" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$NAME")" = true ] || { docker logs "$NAME"; exit 1; }
  sleep 1
done
[ "$(docker inspect -f '{{.State.Health.Status}}' "$NAME")" = healthy ] || { docker logs "$NAME"; echo "not healthy"; exit 1; }
[ "$(docker exec "$NAME" id -u)" != 0 ] || { echo "runs as root"; exit 1; }
version="$(node -p 'require("./package.json").version')"
curl -fsS "$base/healthz" | grep -q "\"version\":\"$version\"" || { echo "/healthz lacks the version"; exit 1; }
curl -fsS "$base/readyz" | grep -q '"status":"ready"' || { echo "/readyz not ready"; exit 1; }
curl -fsS "$base/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml" | grep -q "<pricelist>" || { echo "no price list"; exit 1; }
# One order: the panel's Buy redirect (sandbox demo license 100001), paid from the CLI.
location="$(curl -sS -o /dev/null -w '%{redirect_url}' "$base/billmgr?module=DDoSGUARD&license=100001&ip=192.0.2.10&module_id=23221")"
order="${location##*/checkout/}"; order="${order%%[?#]*}"
[ -n "$order" ] && [ "$order" != "$location" ] || { echo "the Buy redirect made no order: $location"; exit 1; }
pb() { docker exec "$NAME" node bin/partnerbill.js "$@"; }
pb customers add smoke@example.com >/dev/null
pb customers credit smoke@example.com --amount 50 --currency EUR --reason "ci smoke" >/dev/null
pb orders pay "$order" --customer smoke@example.com >/dev/null
# (Into a variable first: `grep -q` closing the pipe early would fail the pipeline under pipefail.)
state() { local out; out="$(pb orders show "$order")"; head -n1 <<<"$out"; }
for _ in $(seq 1 30); do [[ "$(state)" == *"— active" ]] && break; sleep 1; done
[[ "$(state)" == *"— active" ]] || { pb orders show "$order"; echo "order not active"; exit 1; }
echo "== image smoke test passed (health, readiness, price list, one order active)"
