#!/usr/bin/env python3
"""Adds the signing settings to Cargo.toml's [package.metadata.packager.*]
tables on a release runner, from the environment (the repository's secrets),
so that the committed Cargo.toml names no certificate.

    python3 scripts/release/packager-signing.py windows|macos

windows: WINDOWS_SIGN_COMMAND (a command with %1 for the file, e.g. a cloud
         signing tool) or else WINDOWS_CERTIFICATE_THUMBPRINT (a certificate
         in the runner's store: signtool.exe).
macos:   APPLE_SIGNING_IDENTITY (with APPLE_CERTIFICATE and
         APPLE_CERTIFICATE_PASSWORD, which cargo-packager reads itself and
         imports into a keychain of its own).

Prints which settings it added, never their values. Exits 0 either way; the
workflow says "not signed" when nothing was added. Never commit the result.
"""

import json
import os
import sys

CARGO_TOML = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "Cargo.toml")


def toml_string(value):
    # A TOML basic string: JSON's escapes are valid TOML (\" \\ \n \uXXXX).
    return json.dumps(value, ensure_ascii=False)


def add(table, settings):
    with open(CARGO_TOML, encoding="utf-8") as f:
        lines = f.read().split("\n")
    header = "[package.metadata.packager.%s]" % table
    try:
        at = lines.index(header)
    except ValueError:
        sys.exit("Cargo.toml has no %s table" % header)
    lines[at + 1 : at + 1] = ["%s = %s" % (k, toml_string(v)) for k, v in settings]
    with open(CARGO_TOML, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("signing: added %s to %s" % (", ".join(k for k, _ in settings), header))


def env(name):
    value = os.environ.get(name, "").strip()
    return value or None


def main():
    system = sys.argv[1] if len(sys.argv) > 1 else ""
    settings = []
    if system == "windows":
        if env("WINDOWS_SIGN_COMMAND"):
            settings.append(("sign-command", env("WINDOWS_SIGN_COMMAND")))
        elif env("WINDOWS_CERTIFICATE_THUMBPRINT"):
            settings.append(("certificate-thumbprint", env("WINDOWS_CERTIFICATE_THUMBPRINT")))
    elif system == "macos":
        if env("APPLE_SIGNING_IDENTITY"):
            settings.append(("signing-identity", env("APPLE_SIGNING_IDENTITY")))
    else:
        sys.exit("usage: packager-signing.py windows|macos")
    if settings:
        add(system, settings)
    else:
        print("signing: no signing secret for %s" % system)


if __name__ == "__main__":
    main()
