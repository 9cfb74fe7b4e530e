# Shared by scripts/test.sh and scripts/demo.sh (source it; do not run it).
#
# It gives each command the project's own virtual environment, .venv at the top of
# the repository, so the system Python (Debian's is "externally managed", PEP 668)
# is never modified: no sudo pip, no --break-system-packages.
#
#   need_command CMD PACKAGE WHY   install a Debian package when CMD is missing
#   ensure_venv [EXTRAS]           create/reuse .venv, install the project into it
#   step NAME CMD...               run one named step, print how long it took
#
# PYTHON=/path/to/python3 chooses the interpreter that creates .venv (default python3).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# A minimal PATH (cron's /usr/bin:/bin, env -i) lacks the admin tools some tests use.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
VENV="$ROOT/.venv"

say() { printf '%s\n' "$*" >&2; }

# apt_install PACKAGE...: as root with apt-get, through sudo when there is one,
# else print the exact command and fail.
apt_install() {
    if [ "$(id -u)" = "0" ]; then
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        say "missing system package(s): $*"
        say "install them with:  sudo apt-get install -y $*"
        return 1
    fi
}

# need_command CMD PACKAGE WHY: install PACKAGE when CMD is missing. Without root the
# run goes on, and the tests that need it are skipped.
need_command() {
    if ! command -v "$1" >/dev/null 2>&1; then
        say "installing $2 ($3)"
        apt_install "$2" || say "going on without $2: the tests that need it will be skipped"
    fi
}

_find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    say "etrade_sync needs Python 3.11 or newer; none found on PATH."
    say "install it with:  sudo apt-get install -y python3 python3-venv"
    return 1
}

# ensure_venv [EXTRAS]: .venv exists, works, and has the project installed with EXTRAS
# (e.g. "dev"). Reinstalls only when pyproject.toml changed or more extras are asked for.
# The install is editable in "compat" mode (a plain path entry) so that type checkers
# such as mypy find etrade_sync and its py.typed like any installed package.
ensure_venv() {
    local extras="${1:-}" python stamp want
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        python="$(_find_python)"
        if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            local version
            version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
            say "$python has no working venv module (Debian ships it as python3-venv)"
            apt_install python3-venv "python$version-venv" || return 1
        fi
        say "creating the project's virtual environment in .venv (with $python)"
        rm -rf "$VENV"
        "$python" -m venv "$VENV"
    fi
    local hash
    hash="$(sha256sum <"$ROOT/pyproject.toml" | cut -c1-16)"
    want="$hash extras=${extras:-none} mode=compat"
    stamp="$VENV/.etrade_sync-installed"
    if [ ! -f "$stamp" ] || ! grep -qxF -- "$want" "$stamp"; then
        # a "dev" install also serves the demo: keep it when only the base is asked for
        if [ -z "$extras" ] && [ -f "$stamp" ] &&
            grep -qxF -- "$hash extras=dev mode=compat" "$stamp"; then
            :
        else
            say "installing etrade_sync${extras:+[$extras]} into .venv"
            local target="."
            [ -n "$extras" ] && target=".[$extras]"
            (cd "$ROOT" && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
                -e "$target" --config-settings editable_mode=compat)
            printf '%s\n' "$want" >"$stamp"
        fi
    fi
    export VIRTUAL_ENV="$VENV"
    export PATH="$VENV/bin:$PATH"
    hash -r
}

# step NAME CMD...: run CMD, say how long it took; the script stops at the first failure.
step() {
    local name="$1" start rc=0
    shift
    start=$(date +%s)
    say "== $name"
    "$@" || rc=$?
    say "== $name: $([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc)") in $(($(date +%s) - start)) s"
    return $rc
}
