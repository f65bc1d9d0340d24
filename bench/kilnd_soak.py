#!/usr/bin/env python3
"""Soak kilnd: many builds through one daemon; .ci/run runs the short version after the tests.

    python3 bench/kilnd_soak.py [--builds 100] [--concurrent 10] [--work /tmp/kilnd-soak]
    python3 bench/kilnd_soak.py --builds 1000 --concurrent 50        # the issue's long version

Needs root, runc and busybox-static. Builds the offline busybox base into a fresh state dir
(daemonless), starts ./kilnd on a unix socket over it, then

  sequential  --builds builds one after another through `./kiln --addr`, a mix of cached
              (same context and args as before) and uncached (a new build arg changes a RUN)
  concurrent  --concurrent builds at once, the same mix

and prints the failures (goal: 0), build time min/median/p95/max (wall clock of the whole
`kiln` command, JVM start included) and the daemon's RSS after every tenth of the sequential
builds (goal: flat after warm-up). Exits 1 when any build failed. Stops kilnd with SIGTERM.
"""
import argparse
import concurrent.futures
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KILN = os.path.join(REPO, "kiln")
KILND = os.path.join(REPO, "kilnd")
DOCKERFILE = """FROM busybox
ARG N=0
COPY app/ /app/
RUN cat /app/*.txt | wc -c > /count && echo "$N" > /n
RUN dd if=/dev/zero of=/z bs=1k count=256 2>/dev/null
"""


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def make_context(work, i):
    ctx = os.path.join(work, f"ctx{i}")
    os.makedirs(os.path.join(ctx, "app"), exist_ok=True)
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write(DOCKERFILE)
    for j in range(20):
        with open(os.path.join(ctx, "app", f"f{j}.txt"), "w") as f:
            f.write(f"context {i} file {j}\n" * 50)
    return ctx


def build(sock, ctx, n):
    start = time.monotonic()
    p = subprocess.run([KILN, "--addr", "unix://" + sock, "build", "--progress", "plain", "--build-arg", f"N={n}", ctx],
                       capture_output=True, text=True)
    return time.monotonic() - start, p.returncode, p.stderr[-2000:]


def stats(name, times):
    if not times:
        return
    s = sorted(times)
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    print(f"{name}: {len(s)} builds  min {s[0]:.2f}s  median {statistics.median(s):.2f}s  p95 {p95:.2f}s  max {s[-1]:.2f}s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builds", type=int, default=100)
    ap.add_argument("--concurrent", type=int, default=10)
    ap.add_argument("--work", default="/tmp/kilnd-soak")
    args = ap.parse_args()
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    state = os.path.join(work, "state")
    sock = os.path.join(work, "kilnd.sock")

    base = os.path.join(work, "busybox")
    shutil.copytree(os.path.join(REPO, "examples", "busybox"), base)
    shutil.copy("/bin/busybox", os.path.join(base, "busybox"))
    subprocess.run([KILN, "--root", state, "build", "-q", "-t", "busybox:latest", base], check=True,
                   stdout=subprocess.DEVNULL)

    log = open(os.path.join(work, "kilnd.log"), "w")
    daemon = subprocess.Popen([KILND, "--config", "/dev/null", "--root", state, "--addr", "unix://" + sock],
                              stderr=log, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(sock):
            if daemon.poll() is not None or time.monotonic() > deadline:
                sys.exit("kilnd did not start; see " + log.name)
            time.sleep(0.2)
        contexts = [make_context(work, i) for i in range(5)]
        failures = []
        seq_times = []
        rss = []
        step = max(1, args.builds // 10)
        for i in range(args.builds):
            # every other build repeats an earlier one (cached); the rest bring a new N (uncached RUN)
            n = i // 2 if i % 2 else i
            t, rc, err = build(sock, contexts[i % len(contexts)], n)
            seq_times.append(t)
            if rc != 0:
                failures.append(("sequential", i, err))
            if (i + 1) % step == 0:
                rss.append((i + 1, rss_kb(daemon.pid)))
                print(f"  {i + 1} builds, kilnd RSS {rss[-1][1] // 1024} MiB, failures {len(failures)}", flush=True)
        conc_times = []
        with concurrent.futures.ThreadPoolExecutor(args.concurrent) as pool:
            futs = [pool.submit(build, sock, contexts[i % len(contexts)], 10_000 + (i if i % 2 else 0))
                    for i in range(args.concurrent)]
            for i, f in enumerate(futs):
                t, rc, err = f.result()
                conc_times.append(t)
                if rc != 0:
                    failures.append(("concurrent", i, err))
        print()
        print(f"failures: {len(failures)}")
        for phase, i, err in failures[:5]:
            print(f"--- {phase} build {i} ---\n{err}")
        stats("sequential", seq_times)
        stats("concurrent", conc_times)
        print("kilnd RSS (MiB) after builds: " + ", ".join(f"{n}:{kb // 1024}" for n, kb in rss))
        return 1 if failures else 0
    finally:
        if daemon.poll() is None:
            os.kill(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(60)
            except subprocess.TimeoutExpired:
                os.kill(daemon.pid, signal.SIGKILL)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
