#!/usr/bin/env python3
"""Build the benchmark workloads and compare weft with native code and peers.

  python3 bench/run.py [--mode time|instr] [--rounds N] [--only A,B] [--build-only]

time  (make bench): median CPU time (user+sys of the child) over interleaved
      rounds for native, weft, node and, when set, $WASM3 and $IWASM.
instr (make bench-instr): instructions counted by valgrind's callgrind, one
      round, smaller inputs; native, weft, $WASM3, $IWASM (no node).

Every runtime's checksum line must equal native's; a mismatch or a failed
run is reported and makes the exit status 1. See bench/README.md.
"""
import argparse
import concurrent.futures
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)

# name, module, arguments for timing, arguments for instruction counting.
# Timing arguments are empty: each program's built-in default applies.
WORKLOADS = [
    ("recursion", "recursion", [], ["8"]),
    ("hash", "hash", [], ["16"]),
    ("matrix", "matrix", [], ["4"]),
    ("nbody", "nbody", [], ["150"]),
    ("interp", "interp", [], ["1"]),
    ("memory", "memory", [], ["1"]),
    ("mixed", "mixed", [], ["80"]),
    ("large", "large", [], ["300"]),
    ("large (load only)", "large", ["--load-only"], ["--load-only"]),
    ("large (load + compile all)", "large", ["--load-only"], ["--load-only"]),
]
LOAD_ROWS = {"large (load only)", "large (load + compile all)"}
# Rows where a peer that compiles functions lazily is made to compile them
# all at load, as weft does: the flags go before the module path.
EAGER_ROWS = {"large (load + compile all)"}
EAGER_FLAGS = {"wasm3": ["--compile"]}
SOURCES = ["recursion", "hash", "matrix", "nbody", "interp", "memory", "mixed"]

CFLAGS = ["-O2", "-ffp-contract=off"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- building ----

def stale(target, deps):
    if not os.path.exists(target):
        return True
    t = os.path.getmtime(target)
    return any(os.path.getmtime(d) > t for d in deps)


def build(out_dir):
    """Build every workload natively and to wasm; returns {module: (native, wasm)}."""
    os.makedirs(out_dir, exist_ok=True)
    wasm_cc = os.environ.get("WASM_CC", "clang-19")
    native_cc = os.environ.get("NATIVE_CC", "gcc")
    for cc in (wasm_cc, native_cc):
        if not shutil.which(cc):
            sys.exit("bench: %s not found (`make deps` installs the toolchain)" % cc)
    this = os.path.abspath(__file__)
    gen = os.path.join(BENCH, "gen_large.py")
    large_c = os.path.join(out_dir, "large.c")
    if stale(large_c, [gen]):
        log("bench: generating %s" % os.path.relpath(large_c, ROOT))
        subprocess.run([sys.executable, gen, "-o", large_c], check=True)

    jobs, products = [], {}
    for name in SOURCES + ["large"]:
        src = large_c if name == "large" else os.path.join(BENCH, name + ".c")
        native = os.path.join(out_dir, name + ".native")
        obj = os.path.join(out_dir, name + ".o")
        wasm = os.path.join(out_dir, name + ".wasm")
        products[name] = (native, wasm)
        warn = ["-w"] if name == "large" else ["-Wall", "-Wextra"]
        if stale(native, [src, this]):
            jobs.append([[native_cc] + CFLAGS + warn + ["-o", native, src, "-lm"]])
        if stale(wasm, [src, this]):
            # Compile and link separately: with no -O at link time clang does
            # not run wasm-opt, so the module does not depend on whether
            # binaryen is installed.
            jobs.append([
                [wasm_cc, "--target=wasm32-wasi"] + CFLAGS + warn + ["-c", "-o", obj, src],
                [wasm_cc, "--target=wasm32-wasi", "-Wl,--strip-debug", "-o", wasm, obj],
            ])

    def run_job(cmds):
        for cmd in cmds:
            log("bench: " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd))
            subprocess.run(cmd, check=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for f in [ex.submit(run_job, j) for j in jobs]:
            f.result()
    # The load-only row is meant for a module of at least 100 KB.
    size = os.path.getsize(products["large"][1])
    if size < 100 * 1024:
        sys.exit("bench: large.wasm is only %d bytes; gen_large.py should emit more code" % size)
    return products


def code_section_size(path):
    """Size in bytes of the wasm code section (id 10), or 0."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 8
    while pos < len(data):
        sid = data[pos]
        pos += 1
        size = shift = 0
        while True:
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        if sid == 10:
            return size
        pos += size
    return 0


# ---- running ----

class Result:
    def __init__(self, value=None, checksum=None, error=None):
        self.value = value
        self.checksum = checksum
        self.error = error


def checksum_of(text):
    lines = [l for l in text.splitlines() if l.startswith("checksum:")]
    return lines[-1].split(":", 1)[1].strip() if lines else None


def run_once(cmd, load_only):
    """Run cmd; returns (Result, stderr text). Result.value is user+sys seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        except OSError as e:
            return Result(error=str(e)), ""
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    cpu = ru.ru_utime + ru.ru_stime
    if p.returncode != 0:
        lines = [l for l in stderr.splitlines() if l.strip() and not re.match(r"==\d+==", l)]
        tail = lines[-3:]
        return Result(error="exit status %d: %s" % (p.returncode, " | ".join(tail))), stderr
    cs = checksum_of(stdout)
    if cs is None and not load_only:
        return Result(error="no checksum line in output"), stderr
    return Result(cpu, cs if not load_only else "-"), stderr


def run_counted(cmd, load_only):
    """Run cmd under callgrind; Result.value is the instruction count."""
    vg = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    res, stderr = run_once(vg + cmd, load_only)
    if res.error:
        return res, stderr
    m = re.findall(r"^==\d+== Collected : (\d+)", stderr, re.M)
    if not m:
        return Result(error="no 'Collected' line from callgrind"), stderr
    res.value = int(m[-1])
    return res, stderr


def runtimes(mode, weft):
    """[(name, function(native_path, wasm_path) -> argv prefix)]."""
    rts = [("native", lambda n, w: [n]), ("weft", lambda n, w: [weft, "run", w])]
    if mode == "time":
        node = os.environ.get("NODE", "node")
        if node and shutil.which(shlex.split(node)[0]):
            mjs = os.path.join(BENCH, "node-wasi.mjs")
            rts.append(("node", lambda n, w: shlex.split(node) + ["--no-warnings", mjs, w]))
        else:
            log("bench: node not found; skipping it (set NODE=/path/to/node)")
    for var in ("WASM3", "IWASM"):
        val = os.environ.get(var)
        if val:
            argv = shlex.split(val)
            if not shutil.which(argv[0]):
                sys.exit("bench: %s=%s is not an executable" % (var, val))
            rts.append((var.lower(), lambda n, w, argv=argv: argv + [w]))
    return rts


# ---- report ----

def fmt_value(mode, v):
    if v is None:
        return "FAIL"
    if mode == "time":
        return "%.3f" % v if v >= 0.1 else "%.4f" % v
    return "%.1f" % (v / 1e6) if v >= 1e7 else "%.3f" % (v / 1e6)


def fmt_ratio(r):
    if r is None:
        return "-"
    return "%.2f" % r if r >= 0.1 else "%.3f" % r


def geomean(xs):
    """Geometric mean, or None when any value is missing."""
    if not xs or any(not x for x in xs):
        return None
    return statistics.geometric_mean(xs)


def report(mode, rows, names, medians, bad):
    """Markdown table; bad is the set of (row, runtime) whose checksum differed."""
    unit = "s" if mode == "time" else "M instr"
    peers = [n for n in names if n != "weft"]
    head = ["workload"] + ["%s (%s)" % (n, unit) for n in names] + ["vs %s" % p for p in peers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    ratios = {p: [] for p in peers}
    for row in rows:
        med = medians[row]
        cells = [row]
        for n in names:
            cell = fmt_value(mode, med.get(n))
            cells.append(cell + " MISMATCH" if (row, n) in bad else cell)
        for p in peers:
            w, v = med.get("weft"), med.get(p)
            ok = (row, "weft") not in bad and (row, p) not in bad
            r = v / w if w and v and ok else None
            if row not in LOAD_ROWS:
                ratios[p].append(r)
            cells.append(fmt_ratio(r))
        lines.append("| " + " | ".join(cells) + " |")
    gm = ["geomean (excl. load)"] + [""] * len(names) + [fmt_ratio(geomean(ratios[p])) for p in peers]
    lines.append("| " + " | ".join(gm) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description="weft benchmark runner")
    ap.add_argument("--mode", choices=["time", "instr"], default="time")
    ap.add_argument("--rounds", type=int, default=None,
                    help="rounds for --mode time (default $ROUNDS or 5)")
    ap.add_argument("--only", default=os.environ.get("ONLY", ""),
                    help="comma-separated workload names (default $ONLY or all)")
    ap.add_argument("--weft", default=os.path.join(ROOT, "build", "weft"),
                    help="weft binary (default build/weft)")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"),
                    help="build directory for the workloads (default build/bench)")
    ap.add_argument("--build-only", action="store_true", help="build the workloads and stop")
    a = ap.parse_args()

    try:
        products = build(a.out)
    except subprocess.CalledProcessError as e:
        sys.exit("bench: build failed: %s" % " ".join(e.cmd))
    if a.build_only:
        return 0
    if not os.access(a.weft, os.X_OK):
        sys.exit("bench: %s not found; run `make` first" % a.weft)
    if a.mode == "instr" and not shutil.which("valgrind"):
        sys.exit("bench: valgrind not found (apt-get install valgrind)")

    rounds = a.rounds or int(os.environ.get("ROUNDS") or 5)
    if a.mode == "instr":
        rounds = 1
    only = [s.strip() for s in a.only.split(",") if s.strip()]
    work = [w for w in WORKLOADS if not only or w[0] in only or w[1] in only]
    if not work:
        sys.exit("bench: no workload matches %r" % a.only)
    rts = runtimes(a.mode, a.weft)
    names = [n for n, _ in rts]
    runner = run_once if a.mode == "time" else run_counted

    samples = {w[0]: {n: [] for n in names} for w in work}
    checks = {w[0]: {} for w in work}
    failures = []
    for r in range(rounds):
        log("bench: round %d/%d" % (r + 1, rounds))
        for row, module, targs, iargs in work:
            args = targs if a.mode == "time" else iargs
            native, wasm = products[module]
            load_only = row in LOAD_ROWS
            for name, prefix in rts:
                cmd = prefix(native, wasm)
                if row in EAGER_ROWS and name in EAGER_FLAGS:
                    cmd = cmd[:-1] + EAGER_FLAGS[name] + cmd[-1:]
                res, _ = runner(cmd + args, load_only)
                if res.error:
                    failures.append("%s on %s: %s" % (name, row, res.error))
                    log("bench: FAILED: %s on %s: %s" % (name, row, res.error))
                    continue
                samples[row][name].append(res.value)
                checks[row].setdefault(name, []).append(res.checksum)
                log("bench:   %-18s %-7s %s" % (row, name, fmt_value(a.mode, res.value)))

    # Every run's checksum is compared with native's first one (a runtime
    # whose output changes between rounds is caught too).
    mismatches, bad = [], set()
    for row in checks:
        want = checks[row].get("native", [None])[0]
        for name, got in checks[row].items():
            for cs in dict.fromkeys(got):
                if want is not None and cs != want:
                    bad.add((row, name))
                    mismatches.append("%s on %s: checksum %s, native %s" % (name, row, cs, want))

    medians = {row: {n: statistics.median(v) if v else None for n, v in samples[row].items()}
               for row in samples}
    print()
    if a.mode == "time":
        print("CPU time (user+sys), median of %d round%s; `vs X` = X time / weft time "
              "(>1: weft is faster)." % (rounds, "s" if rounds != 1 else ""))
    else:
        print("Instructions (callgrind Ir, millions), smaller inputs; "
              "`vs X` = X count / weft count (>1: weft executes fewer).")
    print()
    print(report(a.mode, [w[0] for w in work], names, medians, bad))
    print()
    sizes = []
    for module in dict.fromkeys(w[1] for w in work):
        wasm = products[module][1]
        sizes.append("%s %d (code %d)" % (module, os.path.getsize(wasm), code_section_size(wasm)))
    print("wasm bytes: " + ", ".join(sizes))

    if failures or mismatches:
        print()
        for m in mismatches:
            print("CHECKSUM MISMATCH: " + m)
        for f in failures:
            print("RUN FAILED: " + f)
        print("bench: %d checksum mismatch(es), %d failed run(s)" % (len(mismatches), len(failures)))
        return 1
    print("All checksums match native.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
