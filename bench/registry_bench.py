#!/usr/bin/env python3
"""Kiln's registry client against `skopeo copy`: push and pull of one large image, run by hand.

    python3 bench/registry_bench.py [--mb 500] [--layers 10] [--reps 3] [--work /tmp/kiln-regbench]

Needs root, runc, busybox-static, skopeo and docker-registry (Debian packages). Builds an image
of about MB megabytes of random data in LAYERS layers with Kiln (FROM the offline busybox base),
then, for each repetition, starts a fresh docker-registry on 127.0.0.1 (plain HTTP, empty
storage) and times:

  push   kiln push REF            vs  skopeo copy oci:LAYOUT docker://REF
  pull   kiln pull REF (new state dir)  vs  skopeo copy docker://REF oci:NEWDIR

The base image, the command helpers and the registry come from bench.py and cache_bench.py.
Both tools move the same compressed blobs (Kiln's layers, gzip). Times are wall-clock seconds
of the whole command, Kiln's including JVM start; look at medians and the ratio. Each command's
CPU seconds (user + system, its own process tree, not the registry's) are printed too: on a
machine shared with other work they vary much less than wall time. MB/s is the image's blob
bytes over the median wall time.
"""
import argparse
import os
import resource
import shutil
import statistics
import sys
import tarfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import KILN, base_image, sh  # noqa: E402  (the shared helpers of bench/)
from cache_bench import Registry  # noqa: E402


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cpu, cmd):
    """Runs cmd; returns its wall seconds and appends its CPU seconds to cpu."""
    c = children_cpu()
    t = time.monotonic()
    sh(cmd)
    wall = time.monotonic() - t
    cpu.append(children_cpu() - c)
    return wall


def blob_bytes(layout):
    total = 0
    for d, _, files in os.walk(os.path.join(layout, "blobs")):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--layers", type=int, default=10)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--work", default="/tmp/kiln-regbench")
    a = ap.parse_args()
    for tool in ("runc", "skopeo", "docker-registry"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    state = os.path.join(a.work, "state")

    sh([KILN, "--root", state, "load", "-i", base_image(a.work)])

    ctx = os.path.join(a.work, "big-ctx")
    os.makedirs(ctx)
    per = max(1, a.mb // a.layers)
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write("FROM busybox\n" + "".join(
            f"RUN dd if=/dev/urandom of=/blob{i} bs=1M count={per} 2>/dev/null\n" for i in range(a.layers)))
    print(f"building a {per * a.layers} MB image in {a.layers} layers with Kiln ...", flush=True)
    sh([KILN, "--root", state, "build", "-q", "-t", "bench/big:1", ctx])
    archive = os.path.join(a.work, "big.tar")
    sh([KILN, "--root", state, "save", "bench/big:1", "-o", archive])
    layout = os.path.join(a.work, "layout")
    with tarfile.open(archive) as t:
        t.extractall(layout)

    results = {"kiln push": [], "skopeo push": [], "kiln pull": [], "skopeo pull": []}
    cpu = {k: [] for k in results}
    for rep in range(a.reps):
        reg = Registry(os.path.join(a.work, f"rep-{rep}"))
        try:
            results["kiln push"].append(timed(cpu["kiln push"], [KILN, "--root", state, "push", "bench/big:1",
                                                                 f"{reg.host}/kiln/big:1"]))
            results["skopeo push"].append(timed(cpu["skopeo push"], [
                "skopeo", "copy", "-q", "--dest-tls-verify=false",
                f"oci:{layout}:1", f"docker://{reg.host}/skopeo/big:1"]))
            fresh = os.path.join(a.work, f"pull-state-{rep}")
            results["kiln pull"].append(timed(cpu["kiln pull"], [KILN, "--root", fresh, "pull",
                                                                 f"{reg.host}/kiln/big:1"]))
            shutil.rmtree(fresh, ignore_errors=True)
            dest = os.path.join(a.work, f"pull-layout-{rep}")
            results["skopeo pull"].append(timed(cpu["skopeo pull"], [
                "skopeo", "copy", "-q", "--src-tls-verify=false",
                f"docker://{reg.host}/skopeo/big:1", f"oci:{dest}:1"]))
            shutil.rmtree(dest, ignore_errors=True)
        finally:
            reg.stop()
            shutil.rmtree(reg.dir, ignore_errors=True)

    mb = blob_bytes(layout) / 1e6
    print(f"\n{'case':<14}{'median s':>10}{'min s':>9}{'max s':>9}{'cpu s':>9}{'MB/s':>8}")
    for k, v in results.items():
        print(f"{k:<14}{statistics.median(v):>10.2f}{min(v):>9.2f}{max(v):>9.2f}"
              f"{statistics.median(cpu[k]):>9.2f}{mb / statistics.median(v):>8.0f}")
    for op in ("push", "pull"):
        ratio = statistics.median(results[f"kiln {op}"]) / statistics.median(results[f"skopeo {op}"])
        print(f"kiln/skopeo {op}: {ratio:.2f}")


if __name__ == "__main__":
    main()
