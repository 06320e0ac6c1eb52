"""Run every benchmark and write one report: ``python benchmarks/run_all.py``.

What it does
------------
Runs the scripts listed in ``BENCHMARKS`` one after another, each as a subprocess of this
Python interpreter, with settings sized so that the whole suite takes about 23 minutes on 2
CPU cores. Every script prints its own table: medians over repeats and ratios against a
baseline measured in the same run (or, for the accuracy benchmarks, the scores). Their
output is shown as it comes; at the end a report is written: a header (date in UTC, the
machine: CPU model, cores, torch version and threads, python, GPU; the exact command), a
summary of every benchmark's wall time and status, then for each benchmark its command line,
wall time and full output. A script that fails is reported with its exit code and the tail
of its stderr, and one that does not exist as missing; the others still run, and the runner
exits with status 1 at the end.

Options
-------
``--quick``
    Every script's smoke test (``--quick``; ``bench_japanese_vowels.py``, which has none,
    runs one seed): checks that the whole suite runs, in a few minutes. Its figures mean
    nothing.
``--threads N``
    Passed to the scripts that accept ``--threads`` (torch's intra-op threads); the others
    keep their defaults. Default: ``OMP_NUM_THREADS`` where it is set (some scripts would
    otherwise set 2 threads whatever it says), else each script's own default. Compare only
    reports with the same thread count.
``--device DEVICE``
    Also run the scripts that accept ``--device`` on it (e.g. ``cuda``), after their CPU
    run. Default: ``cuda`` when ``torch.cuda.is_available()``, else CPU only.
``--output PATH``
    Where to write the report. Default: ``docs/benchmark_results.txt`` (shown by the
    documentation's Benchmarks page) for a full run; with ``--quick`` or ``--only`` the
    report is only printed unless ``--output`` is given, so the published figures are not
    overwritten by a partial run.
``--only NAME ...``
    Run only these benchmarks: a name from ``BENCHMARKS`` (``fit-large``) or a script's
    name (``bench_fit`` runs both ``fit`` and ``fit-large``).

Run
---
::

    python benchmarks/run_all.py                                   # the suite, < 15 min
    python benchmarks/run_all.py --quick --output /tmp/quick.txt   # smoke test
    python benchmarks/run_all.py --only bench_fit airline --threads 1
"""

import argparse
import datetime
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from _common import cpu_model

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUTPUT = ROOT / "docs" / "benchmark_results.txt"

#: (name, script, arguments of the full run, arguments of the smoke test), in running order.
#: The full run's repeats are sized so that the suite takes about 23 minutes with
#: ``--threads 1`` on 2 cores (AMD EPYC); the comments give each benchmark's wall time there.
BENCHMARKS = [
    ("cells", "bench_cells.py", ["--repeats", "11"], ["--quick"]),  # 55 s
    ("cells-large", "bench_cells.py", ["--large", "--repeats", "3", "--warmup", "0"],
     ["--large", "--quick", "--timesteps", "10"]),  # 175 s
    ("fit", "bench_fit.py", ["--repeats", "5"], ["--quick"]),  # 50 s
    ("fit-large", "bench_fit.py",
     ["--n-samples", "100000", "--timesteps", "50", "--epochs", "1", "--repeats", "2",
      "--cells", "lstm"],
     ["--quick", "--timesteps", "50", "--cells", "lstm"]),  # 85 s
    ("predict", "bench_predict.py", ["--repeats", "3"], ["--quick"]),  # 30 s
    ("streaming", "bench_streaming.py", [], ["--quick"]),  # 10 s
    ("onnx", "bench_onnx.py", [], ["--quick"]),  # 70 s
    ("ragged", "bench_ragged.py", ["--repeats", "3"], ["--quick"]),  # 90 s
    ("recursive", "bench_recursive.py", ["--repeats", "3"], ["--quick"]),  # 25 s
    ("forecaster", "bench_forecaster.py", ["--repeats", "1"], ["--quick"]),  # 60 s
    ("parallel", "bench_parallel.py", ["--repeats", "2"], ["--quick"]),  # 30 s
    ("windows", "bench_windows.py", [], ["--quick"]),  # 10 s
    ("memory", "bench_memory.py", [], ["--quick"]),  # 60 s
    ("japanese_vowels", "bench_japanese_vowels.py", [], ["--seeds", "1"]),  # 130 s
    ("airline", "bench_airline.py", ["--seeds", "5"], ["--quick"]),  # 10 s
    ("quality", "bench_quality.py", ["--seeds", "3"], ["--quick"]),  # 630 s
    ("calibration", "bench_calibration.py", ["--seeds", "2", "--epochs", "10"],
     ["--quick"]),
    ("conformal_series", "bench_conformal_series.py", ["--seeds", "3"], ["--quick"]),  # 155 s
    ("covariates", "bench_covariates.py", ["--seeds", "2", "--epochs", "10"], ["--quick"]),
]


def accepts(script, option):
    """Whether ``script`` defines the command-line ``option`` (read from its source)."""
    return f'"{option}"' in (HERE / script).read_text()


def select(names):
    """The entries of ``BENCHMARKS`` that ``names`` (benchmark or script names) pick."""
    if not names:
        return BENCHMARKS
    keys = [{name, Path(script).stem, script} for name, script, _, _ in BENCHMARKS]
    unknown = [name for name in names if not any(name in k for k in keys)]
    if unknown:
        choices = sorted(k for key in keys for k in key if not k.endswith(".py"))
        raise SystemExit(f"--only: unknown benchmark(s) {' '.join(unknown)}; choose from "
                         f"{', '.join(dict.fromkeys(choices))}")
    return [entry for entry, k in zip(BENCHMARKS, keys, strict=True) if k & set(names)]


def plan(args):
    """The runs as (label, script, arguments): the CPU run of each, then its device run."""
    runs = []
    for name, script, full, quick in select(args.only):
        arguments = list(quick if args.quick else full)
        if not (HERE / script).exists():
            runs.append((name, script, arguments))
            continue
        if args.threads is not None and accepts(script, "--threads"):
            arguments += ["--threads", str(args.threads)]
        runs.append((name, script, arguments))
        if args.device != "cpu" and accepts(script, "--device"):
            runs.append((f"{name} ({args.device})", script,
                         [*arguments, "--device", args.device]))
    return runs


def machine():
    """Lines describing the machine and the software the benchmarks run on."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return [
        f"CPU: {cpu_model()}, {os.cpu_count()} logical cores; {platform.platform()}",
        f"torch {torch.__version__} ({torch.get_num_threads()} threads by default here; "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}), "
        f"python {platform.python_version()} ({sys.executable})",
        f"GPU: {gpu}",
        f"sklrnn commit: {commit()}",
    ]


def commit():
    """The git commit of the checkout, marked ``+changes`` when the tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" +changes" if dirty else "")


def run_one(script, arguments):
    """Run ``script``, echoing its output; returns (exit code, seconds, stdout, stderr)."""
    command = [sys.executable, str(HERE / script), *arguments]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    lines = []
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=stderr, text=True)
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
        code = process.wait()
        seconds = time.perf_counter() - start
        stderr.seek(0)
        errors = stderr.read()
    return code, seconds, "".join(lines), errors


def run_suite(runs):
    """Run every (label, script, arguments); returns the summary and the report's sections."""
    summary, sections, failed = [], [], 0
    suite_start = time.perf_counter()
    for label, script, arguments in runs:
        shown = f"python benchmarks/{shlex.join([script, *arguments])}"
        print(f"\n=== {label}: {shown}", flush=True)
        sections.append(f"=== {label}: {shown}")
        if not (HERE / script).exists():
            failed += 1
            status = f"MISSING: benchmarks/{script} does not exist"
            summary.append(f"{label:<28}{'':>9}  {status}")
            sections += [status, ""]
            print(f"--- {label}: {status}", flush=True)
            continue
        code, seconds, stdout, stderr = run_one(script, arguments)
        status = "ok" if code == 0 else f"FAILED (exit code {code})"
        failed += code != 0
        summary.append(f"{label:<28}{seconds:>8.1f}s  {status}")
        print(f"--- {label}: {seconds:.1f} s, {status}", flush=True)
        sections += [f"wall time {seconds:.1f} s, {status}", "", stdout.rstrip()]
        if code != 0:
            tail = "\n".join(stderr.rstrip().splitlines()[-20:])
            sections += ["--- stderr (last 20 lines)", tail]
            print(f"stderr ends:\n{tail}", file=sys.stderr, flush=True)
        sections.append("")
    total = time.perf_counter() - suite_start
    summary.append(f"{'total':<28}{total:>8.1f}s  "
                   + (f"{failed} of {len(runs)} FAILED or MISSING" if failed else "all ok"))
    return summary, sections, failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="every script's smoke test: checks the suite runs")
    omp = os.environ.get("OMP_NUM_THREADS", "")
    parser.add_argument("--threads", type=int, default=int(omp) if omp.isdigit() else None,
                        help="--threads for the scripts that accept it (default: "
                             "$OMP_NUM_THREADS when set, else each script's own default)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        help="also run the scripts that accept --device on it "
                             "(default: cuda when available, else cpu only)")
    parser.add_argument("--output", type=Path, default=None,
                        help="report file (default: docs/benchmark_results.txt for a full run)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="benchmark names (e.g. fit-large) or script names (bench_fit)")
    args = parser.parse_args(argv)
    output = args.output or (None if args.quick or args.only else DEFAULT_OUTPUT)
    runs = plan(args)

    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    threads = (f"--threads {args.threads}" if args.threads is not None
               else "each script's own default (its table says how many)")
    header = [f"sklrnn benchmarks, {date}", *machine(),
              f"torch threads in the benchmarks: {threads}; devices: cpu"
              + ("" if args.device == "cpu" else f", {args.device}"),
              f"command: python {shlex.join(sys.argv)}", ""]
    print("\n".join(header), flush=True)
    summary, sections, failed = run_suite(runs)
    print("\nSummary\n-------\n" + "\n".join(summary))
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("\n".join([*header, "Summary", "-------", *summary, "", *sections]))
        print(f"report written to {output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
