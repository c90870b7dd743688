#!/usr/bin/python3
"""Enforces Slipstream's include graph (layering).

usage: scripts/check_layers.py [ROOT]      (ROOT defaults to the repository holding this script)

Our own includes are written relative to the repository root: #include "stack/net/ipv4.h".
A quoted include is resolved like the compiler does: first next to the including file, then from
the root. Rules (tests and bench code, i.e. any path with a tests/ or bench/ component, is free):

  crypto-isolation   crypto/ includes only system and third-party headers, and its own files.
  stack-layer        stack/ does not include dataplane/ or apps/.
  stack-dpdk         stack/ uses DPDK only for buffers: rte_mbuf.h, rte_mbuf_core.h,
                     rte_mempool.h, rte_byteorder.h, and only from stack/buf/.
  dpdk-ethdev        ethdev/EAL/lcore headers (rte_ethdev*.h, rte_eal*.h, rte_lcore.h,
                     rte_launch.h, ...) only in dataplane/.
  apps-dpdk          apps/ includes no DPDK header directly (it goes through dataplane/).
  dataplane-layer    dataplane/ does not include apps/.
  no-test-includes   production code does not include tests/ or bench/.

Prints each violation as `file:line: <include> breaks rule <name>: <explanation>` and exits 1,
or prints `layers: N files checked, 0 violations` and exits 0. Exits 2 on usage errors.
"""
import os
import re
import sys

SOURCE_EXT = {".h", ".hh", ".hpp", ".hxx", ".h++", ".inl", ".ipp", ".tcc",
              ".c", ".cc", ".cpp", ".cxx", ".c++"}
OUR_DIRS = ("stack", "dataplane", "apps", "crypto", "tests", "bench")
FREE_DIRS = {"tests", "bench"}
SKIP_DIRS = {".git", "subprojects", "node_modules", "__pycache__", ".cache"}

STACK_DPDK_OK = {"rte_mbuf.h", "rte_mbuf_core.h", "rte_mempool.h", "rte_byteorder.h"}
# Control-plane DPDK: devices, EAL, lcores and drivers. Only dataplane/ touches these.
ETHDEV_RE = re.compile(r"^(rte_ethdev.*|rte_eth_.*|rte_eal.*|rte_lcore|rte_launch|rte_dev|"
                       r"rte_bus.*|rte_pci|rte_vdev|rte_pmd_.*|ethdev_.*|bus_.*_driver|dev_driver)\.h$")
# DPDK headers that do not start with rte_.
DPDK_OTHER_RE = re.compile(r"^(ethdev_.*|bus_.*_driver|dev_driver|cmdline.*)\.h$")

INCLUDE_RE = re.compile(r'^\s*#\s*(?:include|import|include_next)\s*([<"])([^>"]+)[>"]')


def strip_comments(text):
    """Blanks /* */ and // comments, keeping line breaks so line numbers stay right."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            # skip string/char literals so a "//" inside them is not taken as a comment
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def is_build_dir(path, names):
    return "meson-private" in names or "build.ninja" in names or "CMakeCache.txt" in names


def source_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        names = set(dirnames) | set(filenames)
        if dirpath != root and is_build_dir(dirpath, names):
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_DIRS and not d.startswith(".") and not d.startswith("build"))
        for f in sorted(filenames):
            if os.path.splitext(f)[1] in SOURCE_EXT:
                yield os.path.join(dirpath, f)


def top(rel):
    return rel.split("/", 1)[0]


def is_free(rel):
    return any(part in FREE_DIRS for part in rel.split("/")[:-1])


def resolve(root, file_rel, delim, target):
    """Returns the repo-relative path an include names, or None for system/third-party headers."""
    target = target.replace("\\", "/")
    from_root = os.path.normpath(target)
    inside = lambda p: not p.startswith("..") and not os.path.isabs(p)
    if delim == '"':
        here = os.path.normpath(os.path.join(os.path.dirname(file_rel), target))
        if inside(here) and os.path.isfile(os.path.join(root, here)):
            return here
        if inside(from_root) and os.path.isfile(os.path.join(root, from_root)):
            return from_root
        if target.startswith(("./", "../")):
            return here if inside(here) else None   # explicitly relative: ours if it stays in the repo
        if inside(from_root) and top(from_root) in OUR_DIRS:
            return from_root  # ours, even if the file does not exist (yet, or is generated)
        return None
    if inside(from_root) and os.path.isfile(os.path.join(root, from_root)):
        return from_root
    return None


def dpdk_header(target):
    base = os.path.basename(target)
    return base if (base.startswith("rte_") and base.endswith(".h")) or DPDK_OTHER_RE.match(base) else None


def check_include(file_rel, ours, dpdk):
    """Returns (rule, explanation) for the first rule the include breaks, or None."""
    layer = top(file_rel)
    if is_free(file_rel):
        return None
    if ours is not None:
        otop = top(ours)
        if layer == "crypto" and otop != "crypto":
            return ("crypto-isolation", "crypto/ may include only system/third-party headers and files inside crypto/")
        if layer == "stack" and otop in ("dataplane", "apps"):
            return ("stack-layer", f"stack/ may not include {otop}/ (the stack is below the dataplane and the apps)")
        if layer == "dataplane" and otop == "apps":
            return ("dataplane-layer", "dataplane/ may not include apps/")
        if any(p in FREE_DIRS for p in ours.split("/")[:-1]):
            return ("no-test-includes", "production code may not include tests/ or bench/ files")
        return None
    if dpdk is None:
        return None
    if layer == "stack":
        if dpdk not in STACK_DPDK_OK:
            return ("stack-dpdk", "stack/ may use only " + ", ".join(sorted(STACK_DPDK_OK)) +
                    " (from stack/buf/); everything else of DPDK belongs in dataplane/")
        if not file_rel.startswith("stack/buf/"):
            return ("stack-dpdk", f"{dpdk} is allowed in stack/ only under stack/buf/; include stack/buf headers instead")
        return None
    if layer != "dataplane" and ETHDEV_RE.match(dpdk):
        return ("dpdk-ethdev", "ethdev/EAL/lcore headers belong to dataplane/ only")
    if layer == "apps":
        return ("apps-dpdk", "apps/ may not include DPDK headers directly; use dataplane/ interfaces")
    return None


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    root = argv[1] if len(argv) == 2 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        print(f"layers: root '{root}' is not a directory; pass the repository root, e.g. scripts/check_layers.py .",
              file=sys.stderr)
        return 2

    nfiles, violations = 0, []
    for path in source_files(root):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        nfiles += 1
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = strip_comments(fh.read())
        except OSError as e:
            print(f"layers: cannot read {rel} ({e.strerror}); check its permissions", file=sys.stderr)
            return 2
        for lineno, line in enumerate(text.split("\n"), 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            delim, target = m.group(1), m.group(2).strip()
            ours = resolve(root, rel, delim, target)
            dpdk = None if ours is not None else dpdk_header(target)
            broken = check_include(rel, ours, dpdk)
            if broken:
                shown = f'"{target}"' if delim == '"' else f"<{target}>"
                violations.append(f"{rel}:{lineno}: {shown} breaks rule {broken[0]}: {broken[1]}")

    for v in violations:
        print(v)
    print(f"layers: {nfiles} files checked, {len(violations)} violations",
          file=sys.stderr if violations else sys.stdout)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
