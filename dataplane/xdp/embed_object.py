#!/usr/bin/env python3
"""Writes a C++ header holding a file's bytes as a constexpr array, so the engine carries its
BPF object inside the binary and needs no path to it at run time.

usage: embed_object.py INPUT OUTPUT NAME
"""
import sys


def main() -> int:
    src, dst, name = sys.argv[1:4]
    with open(src, "rb") as f:
        data = f.read()
    lines = []
    for i in range(0, len(data), 16):
        lines.append("    " + ", ".join(f"0x{b:02x}" for b in data[i:i + 16]) + ",")
    text = (
        "#pragma once\n"
        f"// Generated from {src.split('/')[-1]} by embed_object.py; do not edit.\n"
        "#include <cstddef>\n\n"
        "namespace slip::dataplane {\n\n"
        f"inline constexpr unsigned char {name}[] = {{\n" + "\n".join(lines) + "\n};\n"
        f"inline constexpr std::size_t {name}_size = {len(data)};\n\n"
        "}  // namespace slip::dataplane\n"
    )
    with open(dst, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
