#!/usr/bin/env python3
"""Fails when an import breaks the layers of ARCHITECTURE.md.

- layer 0 (infrastructure) names no area and not the application;
- an area names only layer 0 and the areas before it in AREAS;
- nothing below `app/` names `app`;
- no `diesel` in a `routes.rs`, no `actix_web` in a `service.rs` or
  `queries.rs`;
- a `queries.rs` names no service module (`super::service`,
  `crate::x::service`, `*_service`): services call queries, never the other
  way, so the two never import each other.

It reads every `crate::…` path in `src/` (in `use` lines and inline), with
comments left out, so a grouped `use crate::{a, b}` counts too. Cheap enough
for every CI run; exits 1 and names each breach.
"""

import pathlib
import re
import sys

AREAS = ["users", "auth", "countries", "programmes", "cohorts", "sessions", "attendance", "materials", "casework", "progress", "events", "home", "sync"]
APP = "app"
ROOT = pathlib.Path(__file__).resolve().parent.parent / "src"


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(re.sub(r"//.*", "", line) for line in text.splitlines())


def crate_modules(text):
    """Top-level modules named after `crate::`, grouped imports included."""
    named = set()
    for m in re.finditer(r"\bcrate::(\{[^}]*\}|\w+)", text):
        part = m.group(1)
        if part.startswith("{"):
            # `crate::{a, b::c, d::{e, f}}`: the first word of each item.
            depth, item, items = 0, "", []
            for ch in part[1:]:
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    if depth == 0:
                        break
                    depth -= 1
                elif ch == "," and depth == 0:
                    items.append(item)
                    item = ""
                    continue
                item += ch if depth == 0 else ""
            items.append(item)
            named.update(i.strip().split("::")[0] for i in items if i.strip())
        else:
            named.add(part)
    return named


def owner(path):
    """The top-level module a file belongs to (`lib`, `main` for those)."""
    rel = path.relative_to(ROOT)
    return rel.parts[0][:-3] if len(rel.parts) == 1 else rel.parts[0]


def main():
    breaches = []
    for path in sorted(ROOT.rglob("*.rs")):
        module = owner(path)
        if module in ("lib", "main"):
            continue
        text = strip_comments(path.read_text(encoding="utf-8"))
        named = crate_modules(text)
        rel = path.relative_to(ROOT.parent)
        if module == APP:
            pass
        elif module in AREAS:
            later = AREAS[AREAS.index(module) + 1:]
            for bad in sorted(named & (set(later) | {APP})):
                breaches.append(f"{rel}: area `{module}` imports `{bad}`, a later area or the app")
        else:
            for bad in sorted(named & (set(AREAS) | {APP})):
                breaches.append(f"{rel}: layer-0 module `{module}` imports `{bad}`")
        if path.name == "routes.rs" and module != APP and re.search(r"\bdiesel\b", text):
            breaches.append(f"{rel}: `diesel` in a routes file (queries belong in queries.rs)")
        if path.name in ("service.rs", "queries.rs") and re.search(r"\bactix_web\b", text):
            breaches.append(f"{rel}: `actix_web` in a {path.name} (HTTP belongs in routes.rs)")
        if path.name == "queries.rs" and re.search(r"\b(super|crate(::\w+)+)::\w*service\b", text):
            breaches.append(f"{rel}: a queries file names a service (services call queries, not the reverse)")
        if re.search(r"\bsuper::super::", text):
            breaches.append(f"{rel}: `super::super::` hides which module is imported; name it from `crate::`")
    if breaches:
        print("Layering breaches (see ARCHITECTURE.md):")
        for b in breaches:
            print("  " + b)
        return 1
    print(f"layers ok: {sum(1 for _ in ROOT.rglob('*.rs'))} files checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
