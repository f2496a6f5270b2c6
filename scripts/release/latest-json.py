#!/usr/bin/env python3
"""Writes a release's update feed, latest.json, as src/update.rs reads it:

    {"version", "date", "page", "platforms": {"linux-x86_64": {"url", "sha256"}, ...}}

    python3 scripts/release/latest-json.py DIST_DIR TAG REPOSITORY

DIST_DIR holds the release's files, named by the release workflow
fla-assistant-VERSION-PLATFORM[-setup].EXT; per platform
(`std::env::consts::OS-ARCH`) the feed names the one download a user takes:
the AppImage on Linux, the setup .exe on Windows, the .dmg on macOS. The
SHA-256 is computed from the files. Also writes SHA256SUMS for every file.
"""

import datetime
import hashlib
import json
import os
import sys

# Platform key -> the file name's ending, in DIST_DIR.
DOWNLOADS = {
    "linux-x86_64": "-linux-x86_64.AppImage",
    "windows-x86_64": "-windows-x86_64-setup.exe",
    "macos-x86_64": "-macos-x86_64.dmg",
    "macos-aarch64": "-macos-aarch64.dmg",
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: latest-json.py DIST_DIR TAG OWNER/REPO")
    dist, tag, repo = sys.argv[1:]
    version = tag[1:] if tag.startswith("v") else tag
    base = "https://github.com/%s/releases" % repo
    files = sorted(
        f for f in os.listdir(dist)
        if os.path.isfile(os.path.join(dist, f)) and f not in ("latest.json", "SHA256SUMS")
    )
    sums = {f: sha256(os.path.join(dist, f)) for f in files}
    platforms = {}
    missing = []
    for key, ending in DOWNLOADS.items():
        name = "fla-assistant-%s%s" % (version, ending)
        if name in sums:
            platforms[key] = {"url": "%s/download/%s/%s" % (base, tag, name), "sha256": sums[name]}
        else:
            missing.append(name)
    if missing:
        sys.exit("missing from %s: %s" % (dist, ", ".join(missing)))
    feed = {
        "version": version,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "page": "%s/tag/%s" % (base, tag),
        "platforms": platforms,
    }
    with open(os.path.join(dist, "latest.json"), "w", encoding="utf-8") as f:
        json.dump(feed, f, indent=2)
        f.write("\n")
    with open(os.path.join(dist, "SHA256SUMS"), "w", encoding="utf-8") as f:
        f.writelines("%s  %s\n" % (sums[name], name) for name in files)
    print(json.dumps(feed, indent=2))


if __name__ == "__main__":
    main()
