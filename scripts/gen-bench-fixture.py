#!/usr/bin/env python3
"""Writes a fixture shaped like the ones `benches/scoring.rs` generates, for measuring
throughput with the CLI: N files of 1 KiB in directories of 100, one trivial check (`true`).

Usage: python3 scripts/gen-bench-fixture.py N DIR
Creates DIR/gen-N/ (a fixture directory); run it with
`harness run --fixtures DIR --agent noop --repeat 200`.
"""
import os
import sys


def main():
    if len(sys.argv) != 3 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    files, root = int(sys.argv[1]), sys.argv[2]
    fixture_id = f"gen-{files}"
    fixture = os.path.join(root, fixture_id)
    if os.path.exists(fixture):
        sys.exit(f"{fixture} already exists")
    repo = os.path.join(fixture, "repo")

    def write(relative, content):
        path = os.path.join(repo, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(content, bytes) else "w") as handle:
            handle.write(content)

    for index in range(files):
        line = bytes(97 + (index * 7 + offset) % 26 for offset in range(63)) + b"\n"
        write(f"src/d{index // 100:03}/f{index:05}.txt", (line * 17)[:1024])
    write("work/item.toml",
          'id = "item-1"\ntitle = "bench"\nstatement = "nothing"\nstatus = "open"\n')
    write("handoff/README.md", "notes\n")
    write(".gitignore", "target/\n")
    write("evaluation/contract.toml",
          '[scope]\nallow = ["src", "handoff"]\n\n[[checks]]\nname = "trivial"\nrun = ["true"]\n')
    oracle = os.path.join(fixture, "oracle", "handoff")
    os.makedirs(oracle)
    with open(os.path.join(oracle, "notes.md"), "w") as handle:
        handle.write("done\n")
    print(fixture)


if __name__ == "__main__":
    main()
