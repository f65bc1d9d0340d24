#!/usr/bin/env python3
"""Kiln against buildah (`buildah bud --layers --jobs 0`), run by hand, never by the test suite.

    python3 bench/bench.py [--reps 3] [--stability 20] [--work /tmp/kiln-bench] [--tools kiln,buildah]

Needs root, runc, busybox-static and buildah (Debian: apt-get install buildah); BuildKit is
skipped (no Docker engine on these machines). Both tools start from the same offline busybox
base, built by Kiln from examples/busybox and loaded into each tool's own fresh store. Cases:

  cold         a small app (COPY + 3 RUN writing a few MB), empty cache
  nochange     the same build again, nothing changed
  bigctx-1     after changing one file of a 200 MB / 2000-file context that is COPYed
  parallel4    four independent stages that each sleep 2 s, empty cache
  run20        20 RUN steps, empty cache
  stability    the cold app with --no-cache, built N times on a warm store: min/median/p95/max

Times are wall-clock seconds of the whole command (Kiln's include JVM start). The machine is
shared, so look at medians and ratios, not single numbers.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KILN = os.path.join(REPO, "kiln")
APP = """FROM busybox
COPY app/ /app/
RUN dd if=/dev/urandom of=/a bs=1M count=2 2>/dev/null && md5sum /a > /a.sum
RUN cat /app/*.txt | wc -c > /count
RUN dd if=/dev/zero of=/z bs=1M count=4 2>/dev/null
CMD ["cat", "/count"]
"""
BIG = """FROM busybox
COPY . /ctx
RUN find /ctx -type f | wc -l > /n
"""


def parallel4():
    df = ""
    for i in range(1, 5):
        df += f"FROM busybox AS s{i}\nRUN sleep 2 && echo {i} > /out{i}\n"
    df += "FROM busybox\n" + "".join(f"COPY --from=s{i} /out{i} /out{i}\n" for i in range(1, 5))
    return df


def run20():
    return "FROM busybox\n" + "".join(f"RUN echo {i} > /f{i}\n" for i in range(20))


def sh(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout[-3000:]}")
    return r.stdout


def timed(cmd):
    t = time.monotonic()
    sh(cmd)
    return time.monotonic() - t


def remove_tree(path):
    """Unmounts anything under path (buildah's overlay driver binds its home onto itself), then deletes it."""
    if not os.path.exists(path):
        return
    with open("/proc/self/mounts") as f:
        targets = [l.split()[1] for l in f if l.split()[1].startswith(path.rstrip("/") + "/") or l.split()[1] == path]
    for t in sorted(targets, key=len, reverse=True):
        subprocess.run(["umount", "-l", t], stderr=subprocess.DEVNULL)
    shutil.rmtree(path, ignore_errors=True)


class Kiln:
    name = "kiln"

    def __init__(self, work, base_tar):
        self.work, self.base_tar, self.n = work, base_tar, 0
        self.state = None

    def fresh(self):
        if self.state:
            remove_tree(self.state)
        self.n += 1
        self.state = os.path.join(self.work, f"kiln-state-{self.n}")
        sh([KILN, "--root", self.state, "load", "-i", self.base_tar])

    def build(self, ctx, no_cache=False):
        cmd = [KILN, "--root", self.state, "build", "--progress", "plain", "-t", "bench:latest"]
        return timed(cmd + (["--no-cache"] if no_cache else []) + [ctx])


class Buildah:
    name = "buildah"

    def __init__(self, work, base_tar):
        self.work, self.base_tar, self.n = work, base_tar, 0
        self.root = None

    def base(self):
        return ["buildah", "--root", self.root, "--runroot", self.root + "-run", "--storage-driver", "overlay"]

    def fresh(self):
        if self.root:
            remove_tree(self.root)
            remove_tree(self.root + "-run")
        self.n += 1
        self.root = os.path.join(self.work, f"buildah-root-{self.n}")
        sh(self.base() + ["pull", "oci-archive:" + self.base_tar])

    def build(self, ctx, no_cache=False):
        cmd = self.base() + ["bud", "--layers", "--jobs", "0", "--pull=never", "--network", "host", "--runtime", "runc",
                             "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", "-t", "bench:latest"]
        return timed(cmd + (["--no-cache"] if no_cache else []) + [ctx])


def write_ctx(path, dockerfile, files=None):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "Dockerfile"), "w") as f:
        f.write(dockerfile)
    for rel, data in (files or {}).items():
        p = os.path.join(path, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)


def make_contexts(work):
    ctx = {}
    ctx["app"] = os.path.join(work, "ctx-app")
    write_ctx(ctx["app"], APP, {f"app/{i}.txt": (f"file {i}\n" * 200).encode() for i in range(20)})
    ctx["big"] = os.path.join(work, "ctx-big")
    if not os.path.exists(os.path.join(ctx["big"], "d19", "f99.bin")):
        write_ctx(ctx["big"], BIG, {f"d{i // 100}/f{i % 100}.bin": os.urandom(100 * 1024) for i in range(2000)})
    ctx["parallel4"] = os.path.join(work, "ctx-parallel4")
    write_ctx(ctx["parallel4"], parallel4())
    ctx["run20"] = os.path.join(work, "ctx-run20")
    write_ctx(ctx["run20"], run20())
    return ctx


def base_image(work):
    """busybox:latest built by Kiln from examples/busybox, saved as an OCI archive both tools load."""
    tar = os.path.join(work, "busybox-oci.tar")
    if os.path.exists(tar):
        return tar
    ctx = os.path.join(work, "busybox-ctx")
    shutil.copytree(os.path.join(REPO, "examples", "busybox"), ctx, dirs_exist_ok=True)
    shutil.copy("/bin/busybox", os.path.join(ctx, "busybox"))
    state = os.path.join(work, "seed-state")
    sh([KILN, "--root", state, "build", "-t", "busybox:latest", ctx])
    sh([KILN, "--root", state, "save", "busybox:latest", "-o", tar])
    remove_tree(state)
    return tar


def measure(tool, ctx, reps, stability):
    r = {k: [] for k in ("cold", "nochange", "bigctx-1", "parallel4", "run20")}
    for i in range(reps):
        tool.fresh()
        r["cold"].append(tool.build(ctx["app"]))
        r["nochange"].append(tool.build(ctx["app"]))
        tool.fresh()
        r["parallel4"].append(tool.build(ctx["parallel4"]))
        tool.fresh()
        r["run20"].append(tool.build(ctx["run20"]))
    tool.fresh()
    tool.build(ctx["big"])
    changed = os.path.join(ctx["big"], "d7", "f7.bin")
    for i in range(reps):
        with open(changed, "ab") as f:
            f.write(f"change {tool.name} {i}\n".encode())
        r["bigctx-1"].append(tool.build(ctx["big"]))
    tool.fresh()
    tool.build(ctx["app"])
    r["stability"] = [tool.build(ctx["app"], no_cache=True) for _ in range(stability)]
    tool.fresh()
    remove_tree(getattr(tool, "state", None) or tool.root)
    return r


def p95(xs):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--stability", type=int, default=20)
    ap.add_argument("--work", default="/tmp/kiln-bench")
    ap.add_argument("--tools", default="kiln,buildah")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    tar = base_image(a.work)
    ctx = make_contexts(a.work)
    tools = [t for t in (Kiln(a.work, tar), Buildah(a.work, tar)) if t.name in a.tools.split(",")]
    if any(t.name == "buildah" for t in tools) and not shutil.which("buildah"):
        sys.exit("buildah is not installed (apt-get install buildah), or pass --tools kiln")
    results = {}
    for t in tools:
        print(f"measuring {t.name} ({a.reps} reps, stability x{a.stability})...", file=sys.stderr, flush=True)
        results[t.name] = measure(t, ctx, a.reps, a.stability)
    names = [t.name for t in tools]
    print(f"\nmedian seconds over {a.reps} runs" + (" (ratio = kiln / buildah)" if len(names) == 2 else ""))
    print(f"{'case':<12}" + "".join(f"{n:>10}" for n in names) + ("     ratio" if len(names) == 2 else ""))
    for case in ("cold", "nochange", "bigctx-1", "parallel4", "run20"):
        meds = [statistics.median(results[n][case]) for n in names]
        line = f"{case:<12}" + "".join(f"{m:>10.2f}" for m in meds)
        if len(names) == 2:
            line += f"{meds[0] / meds[1]:>10.2f}"
        print(line)
    print(f"\nstability: the app with --no-cache, {a.stability} builds (seconds)")
    print(f"{'tool':<12}{'min':>8}{'median':>8}{'p95':>8}{'max':>8}")
    for n in names:
        xs = results[n]["stability"]
        print(f"{n:<12}{min(xs):>8.2f}{statistics.median(xs):>8.2f}{p95(xs):>8.2f}{max(xs):>8.2f}")


if __name__ == "__main__":
    main()
