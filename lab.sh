#!/usr/bin/env bash
# AdEMAMix Lab: one entry point for a fresh machine.
#
#   ./lab.sh app  [streamlit args...]   start the app on http://localhost:8501 (runtime venv: requirements.txt)
#   ./lab.sh test [pytest args...]      run every test: unit, AppTest, Docker checks, browser (requirements-dev.txt)
#   ./lab.sh setup [runtime|dev]        only create/update .venv (default: dev)
#
# Environment:
#   PYTHON=/path/to/python3.12   interpreter used to create .venv (default: python3.12, else a pyenv 3.12.x)
#   PORT=8501                    port for `./lab.sh app`
#   LAB_CHROMIUM=/usr/bin/chromium   browser used by the browser tests
#
# .venv is (re)built only when missing, not Python 3.12, or when the requirements file changed since the last
# install (its sha256 is stored in .venv/.lab-stamp-*), so repeated runs start in well under a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
CHROMIUM="${LAB_CHROMIUM:-/usr/bin/chromium}"

log() { printf '[lab] %s\n' "$*" >&2; }
die() { printf '[lab] error: %s\n' "$*" >&2; exit 1; }

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
}

# True if "$1" runs and is CPython 3.12.x.
is_py312() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
    if [[ -n "${PYTHON:-}" ]]; then
        is_py312 "$PYTHON" || die "PYTHON=$PYTHON is not a working Python 3.12 interpreter."
        printf '%s\n' "$PYTHON"
        return
    fi
    local cand
    for cand in python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do
        if command -v "$cand" >/dev/null 2>&1 && is_py312 "$cand"; then
            command -v "$cand"
            return
        fi
    done
    # pyenv: its python3.12 shim only works when a 3.12 version is selected, so use the interpreter directly.
    if command -v pyenv >/dev/null 2>&1; then
        local root versions v
        root="$(pyenv root)"
        versions="$( (echo 3.12.1; pyenv versions --bare 2>/dev/null | grep -E '^3\.12\.[0-9]+$' | sort -t. -k3,3nr) | awk '!seen[$0]++')"
        for v in $versions; do
            cand="$root/versions/$v/bin/python3.12"
            if [[ -x "$cand" ]] && is_py312 "$cand"; then
                printf '%s\n' "$cand"
                return
            fi
        done
    fi
    die "Python 3.12 not found (jax 0.12 needs Python >= 3.12; the Docker image uses 3.12).
       Install it (e.g. 'pyenv install 3.12' or 'apt-get install python3.12 python3.12-venv'),
       or point PYTHON at one: PYTHON=/path/to/python3.12 ./lab.sh ${CMD:-test}"
}

sha() { cat "$@" | sha256sum | cut -d' ' -f1; }

# ensure_venv runtime|dev
ensure_venv() {
    local level="$1" reqfile stamp want
    if [[ "$level" == dev ]]; then
        reqfile=requirements-dev.txt
        want="$(sha requirements.txt requirements-dev.txt)"   # dev includes -r requirements.txt
    else
        reqfile=requirements.txt
        want="$(sha requirements.txt)"
    fi
    stamp="$VENV/.lab-stamp-$level"

    # Fast path: nothing to do.
    if [[ -x "$VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && is_py312 "$VENV/bin/python"; then
        return 0
    fi
    # Serialize concurrent runs (e.g. `app` and `test` started together) while the venv is being changed.
    if command -v flock >/dev/null 2>&1; then
        mkdir -p "$ROOT/.cache"
        exec 9>"$ROOT/.cache/venv.lock"
        flock 9
    fi
    _ensure_venv_locked "$level" "$reqfile" "$stamp" "$want"   # exits the script on failure (set -e / die)
    if command -v flock >/dev/null 2>&1; then
        exec 9>&-   # release the lock; never leak it into `exec streamlit`
    fi
}

_ensure_venv_locked() {
    local level="$1" reqfile="$2" stamp="$3" want="$4"
    if [[ -x "$VENV/bin/python" ]] && is_py312 "$VENV/bin/python"; then
        if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
            return 0
        fi
    else
        local py
        py="$(find_python)"
        if [[ -e "$VENV" ]]; then
            log "$VENV is not a working Python 3.12 venv; recreating it."
            rm -rf "$VENV"
        fi
        log "Creating $VENV with $py ($("$py" -c 'import sys; print(sys.version.split()[0])'))"
        "$py" -m venv "$VENV"
    fi

    log "Installing $reqfile into .venv (first run downloads ~1 GB of wheels; this takes a few minutes)"
    local pipflags=(--disable-pip-version-check)
    [[ "${CI:-}" == true || ! -t 1 ]] && pipflags+=(--progress-bar off)
    "$VENV/bin/python" -m pip install "${pipflags[@]}" --quiet -r "$reqfile" \
        || die "pip install -r $reqfile failed (see above)."
    printf '%s\n' "$want" >"$stamp"
    if [[ "$level" == dev ]]; then
        sha requirements.txt >"$VENV/.lab-stamp-runtime"   # dev is a superset of runtime
    fi
    log "$reqfile installed."
}

ensure_chromium() {
    if [[ -x "$CHROMIUM" ]]; then
        return 0
    fi
    if [[ "$CHROMIUM" != /usr/bin/chromium ]]; then
        die "LAB_CHROMIUM=$CHROMIUM is not an executable."
    fi
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "Installing Debian chromium for the browser tests (about 480 MB; a few minutes)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
        [[ -x "$CHROMIUM" ]] || die "apt-get install chromium did not provide $CHROMIUM."
        return 0
    fi
    die "The browser tests need Debian chromium at $CHROMIUM. Install it with:
       sudo apt-get update && sudo apt-get install -y chromium
       (or point LAB_CHROMIUM at a Chromium binary)."
}

# The same runtime environment for the app, the test servers and the Docker image (see Dockerfile ENV).
export_runtime_env() {
    export JAX_PLATFORMS=cpu
    export JAX_COMPILATION_CACHE_DIR="${JAX_COMPILATION_CACHE_DIR:-$ROOT/.cache/jax}"
    export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0
    mkdir -p "$JAX_COMPILATION_CACHE_DIR"
    chmod 700 "$JAX_COMPILATION_CACHE_DIR" 2>/dev/null || true   # the JAX cache is trusted code
}

CMD="${1:-}"
[[ $# -gt 0 ]] && shift
case "$CMD" in
    app)
        ensure_venv runtime
        export_runtime_env
        port="${PORT:-8501}"
        log "Starting AdEMAMix Lab on http://localhost:$port (Ctrl+C to stop)"
        exec "$VENV/bin/python" -m streamlit run app.py --server.port="$port" "$@"
        ;;
    test)
        ensure_venv dev
        ensure_chromium
        export_runtime_env
        export LAB_CHROMIUM="$CHROMIUM"
        set +e
        "$VENV/bin/python" -m pytest "$@"
        rc=$?
        set -e
        if [[ $rc == 5 ]]; then
            log "pytest collected no tests: treating that as a failure."
            exit 1
        fi
        exit "$rc"
        ;;
    setup)
        level="${1:-dev}"
        [[ "$level" == dev || "$level" == runtime ]] || die "usage: ./lab.sh setup [runtime|dev]"
        ensure_venv "$level"
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        usage >&2
        exit 2
        ;;
esac
