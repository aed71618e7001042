#!/usr/bin/env bash
# One entry point for newcomers and CI:
#   bash dev.sh demo   — install, then bring the whole service up with demo data
#                        (--port 5300 --emulator-port 5301 for other ports than 5000/5001)
#   bash dev.sh test   — install, then run the test suite (extra args go to pytest)
# Installs everything it needs into .venv on a machine that has only Python, pip and apt.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
echo "==> installing Python packages"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'

need_chromium() {
  # Browser tests drive Debian's chromium through Playwright (browser downloads are blocked).
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
      echo "==> installing chromium (apt)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "!! /usr/bin/chromium missing: browser tests will be skipped (run as root to install)"
    fi
  fi
}

need_redis_server() {
  # The fault tests stop and restart their own redis-server (with AOF) mid-run.
  if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
      echo "==> installing redis-server (apt)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    else
      echo "!! redis-server missing: the Redis restart tests will be skipped (run as root to install)"
    fi
  fi
}

need_cjk_font() {
  # The visit-photo watermark and the coaching chart are drawn in Chinese (pillow), and the
  # browser tests' screenshots show Chinese pages: without a CJK font they come out as boxes.
  if ! ls /usr/share/fonts/truetype/wqy/wqy-microhei.ttc >/dev/null 2>&1 \
      && ! (command -v fc-list >/dev/null && fc-list :lang=zh | grep -q .); then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
      echo "==> installing a CJK font (apt: fonts-wqy-microhei)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null
    else
      echo "!! no CJK font: watermarks and charts fall back to ASCII (run as root to install)"
    fi
  fi
}

cmd=${1:-}
shift || true
case "$cmd" in
  test)
    need_chromium
    need_redis_server
    need_cjk_font
    set +e
    .venv/bin/python -m pytest "$@"
    rc=$?
    set -e
    if [ "$rc" = "5" ]; then
      echo "!! pytest collected no tests: treated as a failure"
      exit 1
    fi
    exit "$rc"
    ;;
  demo)
    need_cjk_font
    exec .venv/bin/zhongshu demo "$@"
    ;;
  *)
    echo "usage: bash dev.sh demo [--port 5000 --emulator-port 5001] | bash dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
