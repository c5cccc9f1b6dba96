#!/usr/bin/env bash
# The OpenAPI document is a contract that other people's tools read: check
# it with theirs, installed at pinned versions into a throw-away virtual
# environment (PyPI).
#
#   scripts/contract.sh [spec]      (default: api-spec/openapi.json)
#
# - openapi-spec-validator: the document is valid OpenAPI 3.1;
# - openapi-python-client: a client generates with no warning, and compiles.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPEC="${1:-$ROOT/api-spec/openapi.json}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check \
    openapi-spec-validator==0.9.0 openapi-python-client==0.29.1

"$WORK/venv/bin/openapi-spec-validator" "$SPEC"

# No post-hooks: they call formatters (ruff) that are not part of the check.
# tus PATCH bodies (`application/offset+octet-stream`), certificate PDFs and
# downloads (`*/*`: whatever type the file has) and CSV files (a member
# import sent, a report received) are raw bytes to a client: the generator
# is told to treat them as `application/octet-stream`.
printf 'post_hooks: []\ncontent_type_overrides:\n  application/offset+octet-stream: application/octet-stream\n  application/pdf: application/octet-stream\n  text/csv: application/octet-stream\n  "*/*": application/octet-stream\n' >"$WORK/config.yaml"
"$WORK/venv/bin/openapi-python-client" generate --path "$SPEC" \
    --output-path "$WORK/client" --meta none --config "$WORK/config.yaml" \
    --fail-on-warning
"$WORK/venv/bin/python" -m compileall -q "$WORK/client" >/dev/null
echo "contract ok: valid OpenAPI 3.1, and a Python client generates without warning"
