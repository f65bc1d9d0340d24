#!/usr/bin/env python3
"""Kiln's registry client against `skopeo copy`: push and pull of one large image, run by hand.

    python3 bench/registry_bench.py [--mb 500] [--layers 10] [--reps 3] [--work /tmp/kiln-regbench]

Needs root, runc, busybox-static, skopeo and docker-registry (Debian packages). Builds an image
of about MB megabytes of random data in LAYERS layers with Kiln (FROM the offline busybox base),
then, for each repetition, starts a fresh docker-registry on 127.0.0.1 (plain HTTP, empty
storage) and times:

  push   kiln push REF            vs  skopeo copy oci:LAYOUT docker://REF
  pull   kiln pull REF (new state dir)  vs  skopeo copy docker://REF oci:NEWDIR

Both tools move the same compressed blobs (Kiln's layers, gzip). Times are wall-clock seconds
of the whole command, Kiln's including JVM start; look at medians and the ratio.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KILN = os.path.join(REPO, "kiln")


def sh(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout[-3000:]}")
    return r.stdout


def timed(cmd):
    start = time.monotonic()
    sh(cmd)
    return time.monotonic() - start


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    """A docker-registry on 127.0.0.1 with its own empty storage; stopped by PID."""

    def __init__(self, work):
        self.dir = os.path.join(work, f"registry-{time.monotonic_ns()}")
        os.makedirs(self.dir)
        self.port = free_port()
        cfg = os.path.join(self.dir, "config.yml")
        with open(cfg, "w") as f:
            f.write(f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {self.dir}/storage\n"
                    f"http:\n  addr: 127.0.0.1:{self.port}\nlog:\n  level: error\n")
        self.proc = subprocess.Popen(["docker-registry", "serve", cfg], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v2/", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        self.stop()
        sys.exit("docker-registry did not start")

    def ref(self, repo):
        return f"127.0.0.1:{self.port}/{repo}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


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

    bb = os.path.join(a.work, "busybox-ctx")
    shutil.copytree(os.path.join(REPO, "examples", "busybox"), bb)
    shutil.copy("/bin/busybox", os.path.join(bb, "busybox"))
    sh([KILN, "--root", state, "build", "-q", "-t", "busybox:latest", bb])

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
    for rep in range(a.reps):
        reg = Registry(a.work)
        try:
            results["kiln push"].append(timed([KILN, "--root", state, "push", "bench/big:1", reg.ref("kiln/big:1")]))
            results["skopeo push"].append(timed(["skopeo", "copy", "-q", "--dest-tls-verify=false",
                                                 f"oci:{layout}:1", f"docker://{reg.ref('skopeo/big:1')}"]))
            fresh = os.path.join(a.work, f"pull-state-{rep}")
            results["kiln pull"].append(timed([KILN, "--root", fresh, "pull", reg.ref("kiln/big:1")]))
            shutil.rmtree(fresh, ignore_errors=True)
            dest = os.path.join(a.work, f"pull-layout-{rep}")
            results["skopeo pull"].append(timed(["skopeo", "copy", "-q", "--src-tls-verify=false",
                                                 f"docker://{reg.ref('skopeo/big:1')}", f"oci:{dest}:1"]))
            shutil.rmtree(dest, ignore_errors=True)
        finally:
            reg.stop()

    print(f"\n{'case':<14}{'median s':>10}{'min s':>9}{'max s':>9}")
    for k, v in results.items():
        print(f"{k:<14}{statistics.median(v):>10.2f}{min(v):>9.2f}{max(v):>9.2f}")
    for op in ("push", "pull"):
        ratio = statistics.median(results[f"kiln {op}"]) / statistics.median(results[f"skopeo {op}"])
        print(f"kiln/skopeo {op}: {ratio:.2f}")


if __name__ == "__main__":
    main()
