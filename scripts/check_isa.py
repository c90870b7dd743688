#!/usr/bin/env python3
"""Checks that a portable build runs on every CPU it supports: outside the dispatched SIMD
kernels, no instruction beyond x86-64-v2 (+ AES-NI, PCLMULQDQ) appears in the given binaries.

The build targets x86-64-v2; wider code lives only in functions whose names say their ISA
(the header-protection kernels' namespaces hp_avx2, hp_avx2_vaes, hp_avx512, and the
checksum's word loop, checksum_avx2) and is reached
only through the path chosen from CPUID at start. Anything wider elsewhere (an inline
function compiled for AVX-512 that the linker kept for everyone, a stray -march) would crash
an older CPU with SIGILL: this script fails on it, naming the function and the instruction.

usage: check_isa.py BINARY...   exit 0 when clean, 1 with the offending functions listed
"""
import re
import subprocess
import sys

# Which wide features each kernel namespace may use (each is reached only where the CPU has them).
ALLOWED = {
    "hp_avx512": {"avx", "avx2", "avx512"},
    "hp_avx2_vaes": {"avx", "avx2"},
    "hp_avx2": {"avx", "avx2"},
    "checksum_avx2": {"avx", "avx2"},
}

BMI_LZCNT_MOVBE = re.compile(r"^(andn|bextr|blsi|blsmsk|blsr|bzhi|mulx|pdep|pext|rorx|sarx|shlx|shrx|lzcnt|movbe)\b")
# VEX/EVEX-encoded instructions all start with v; verr/verw are old system instructions.
VEX = re.compile(r"^v(?!err\b|erw\b)[a-z0-9]+")


def feature_of(mnemonic, operands):
    """The widest feature an instruction needs beyond the baseline, or None."""
    if "zmm" in operands or re.search(r"%k[0-7]\b", operands) or "{1to" in operands:
        return "avx512"
    if BMI_LZCNT_MOVBE.match(mnemonic):
        return "bmi/lzcnt/movbe"
    if VEX.match(mnemonic):
        return "avx2" if "ymm" in operands else "avx"
    return None


def check(binary):
    out = subprocess.run(["objdump", "-d", "-C", "--no-show-raw-insn", binary], check=True,
                         capture_output=True, text=True).stdout
    problems = {}
    wide_kernels = set()
    function = "?"
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if m:
            function = m.group(1)
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$", line)
        if not m:
            continue
        feature = feature_of(m.group(1), m.group(2))
        if feature is None:
            continue
        allowed = next((feats for ns, feats in ALLOWED.items() if ns + "::" in function), set())
        if feature in allowed:
            wide_kernels.add(function)
            continue
        problems.setdefault(function, f"{m.group(1)} {m.group(2)}".strip() + f"  ({feature})")
    return problems, wide_kernels


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    bad = 0
    kernels_seen = 0
    for binary in sys.argv[1:]:
        problems, kernels = check(binary)
        kernels_seen += len(kernels)
        if problems:
            bad += 1
            print(f"{binary}: {len(problems)} function(s) outside the dispatched kernels need more than x86-64-v2:")
            for fn, insn in sorted(problems.items())[:40]:
                print(f"  {fn}: {insn}")
        else:
            print(f"{binary}: x86-64-v2 outside {len(kernels)} dispatched kernel function(s)")
    # A binary may hold no wide code at all (a sanitizer build need not vectorise the checksum
    # loop), but the header-protection kernels are written with wide intrinsics: if none of the
    # binaries shows one, the check is reading the wrong files.
    if kernels_seen == 0:
        bad += 1
        print("no dispatched kernel found in any binary (hp_avx2/hp_avx512 symbols): is the check reading the right files?")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
