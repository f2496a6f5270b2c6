#!/usr/bin/env python3
"""Checks Cargo.toml's [package.metadata.packager] against cargo-packager's own
JSON schema (schema.json in its crate, as cargo install left it in Cargo's
registry), with the kebab-case keys turned into the schema's camelCase, as
cargo-packager's serde aliases read them. Usage: check-config.py VERSION
"""
import glob
import json
import os
import re
import sys
import tomllib

try:
    import jsonschema
except ImportError:
    sys.exit("check-config: needs the jsonschema package (pip install jsonschema)")

version = sys.argv[1] if len(sys.argv) > 1 else "0.11.8"
home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
found = glob.glob(f"{home}/registry/src/*/cargo-packager-{version}/schema.json")
if not found:
    sys.exit(f"check-config: no schema of cargo-packager {version} in {home}/registry "
             "(cargo install cargo-packager puts it there)")
schema = json.load(open(found[0]))
root = os.path.join(os.path.dirname(__file__), "..", "..")
config = tomllib.load(open(os.path.join(root, "Cargo.toml"), "rb"))["package"]["metadata"]["packager"]


def camel(key):
    return re.sub(r"-(.)", lambda m: m.group(1).upper(), key)


def convert(value, keep_keys=False):
    # `files` maps paths to paths: its keys are not settings.
    if isinstance(value, dict):
        return {(k if keep_keys else camel(k)): convert(v, k == "files") for k, v in value.items()}
    if isinstance(value, list):
        return [convert(v) for v in value]
    return value


errors = list(jsonschema.Draft7Validator(schema).iter_errors(convert(config)))
for e in errors:
    print(f"check-config: {'.'.join(map(str, e.path)) or '(top)'}: {e.message}", file=sys.stderr)
if errors:
    sys.exit(1)
print(f"check-config: Cargo.toml's packager configuration passes cargo-packager {version}'s schema",
      file=sys.stderr)
