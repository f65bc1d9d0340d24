#!/usr/bin/env python3
"""Shared build cache across machines: Kiln's --cache-to/--cache-from against buildah's. Run by hand.

    python3 bench/cache_bench.py [--work /tmp/kiln-cache-bench] [--tools kiln,buildah] [--mb 20] [--spin 400000]

Needs root, runc, busybox-static, docker-registry and (for the comparison) buildah. Two
"machines" are two fresh stores on this host (Kiln: two state dirs; buildah: two --root
dirs); the cache travels only through a local docker-registry whose access log is read to
count what went over the wire. BuildKit is skipped (no Docker engine with buildx here).

For each tool:
  A cold      empty store, build a two-stage app, export the cache (Kiln mode=max), push the image
  B import    another empty store, same Dockerfile and context, import the cache, push the image
              under another name (the output only needs to reach the registry)
  B local     a third empty store, import the cache, keep the image in the local store
              (the output's layers must be downloaded)
  B partial   like B local after a change in the final stage's RUN (only it re-runs)

Reported per case: wall seconds (Kiln's include JVM start), bytes downloaded (GET of blobs,
from the registry's access log), bytes uploaded (growth of the registry's storage), and
whether the expensive builder step ran. The machine is shared: look at ratios.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KILN = os.path.join(REPO, "kiln")
DOCKERFILE = """FROM {base} AS builder
COPY src /src
RUN echo compiling && i=0; while [ $i -lt {spin} ]; do i=$((i+1)); done; \\
    mkdir /out && head -c {bytes} /dev/urandom > /out/app.bin && cp /src/main.txt /out/
FROM {base}
COPY --from=builder /out /app
RUN echo {final} && ls -l /app > /app.list
CMD ["cat", "/app.list"]
"""
LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" (\d{3}) (\d+)')


def sh(cmd, **kw):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return dt, p.stdout + p.stderr


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except FileNotFoundError:
                pass
    return total


class Registry:
    def __init__(self, work):
        self.dir = os.path.join(work, "registry")
        os.makedirs(os.path.join(self.dir, "storage"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        cfg = os.path.join(self.dir, "config.yml")
        with open(cfg, "w") as f:
            f.write(f"version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\nstorage:\n"
                    f"  filesystem:\n    rootdirectory: {self.dir}/storage\nhttp:\n  addr: 127.0.0.1:{self.port}\n"
                    f"  secret: bench\n")
        self.log = os.path.join(self.dir, "access.log")
        self.proc = subprocess.Popen(["/usr/bin/docker-registry", "serve", cfg], stdout=open(self.log, "w"),
                                     stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.host = f"127.0.0.1:{self.port}"

    def mark(self):
        with open(self.log) as f:
            return len(f.readlines()), du(os.path.join(self.dir, "storage"))

    def since(self, mark):
        lines, stored = mark
        with open(self.log) as f:
            new = f.readlines()[lines:]
        down = 0
        gets = 0
        for line in new:
            m = LINE.search(line)
            if m and m.group(1) == "GET" and "/blobs/sha256:" in m.group(2) and m.group(3) == "200":
                down += int(m.group(4))
                gets += 1
        return down, du(os.path.join(self.dir, "storage")) - stored, gets

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def context(work, name, final, args):
    ctx = os.path.join(work, name)
    os.makedirs(os.path.join(ctx, "src"), exist_ok=True)
    with open(os.path.join(ctx, "src", "main.txt"), "w") as f:
        f.write("int main() { return 0; }\n")
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write(DOCKERFILE.format(base=args.base, spin=args.spin, bytes=args.mb * 1024 * 1024, final=final))
    return ctx


def kiln(state, *a):
    return sh([KILN, "--root", state, "build", "--progress", "plain", *a])


def buildah(root, *a):
    return sh(["buildah", "--root", root + "/storage", "--runroot", root + "/run", *a],
              env={**os.environ, "BUILDAH_ISOLATION": "chroot"})


def run_kiln(work, reg, args, rows):
    cache = f"{reg.host}/kiln/cache:1"
    ctx = context(work, "kiln-ctx", "final", args)
    m = reg.mark()
    dt, out = kiln(f"{work}/kiln-A", "--push", "-t", f"{reg.host}/kiln/app:1",
                   "--cache-to", f"type=registry,ref={cache},mode=max", ctx)
    rows.append(("kiln", "A cold + export", dt, *reg.since(m), "compiling" in re.sub(r"RUN echo compiling", "", out)))
    for case, state, extra in (("B import, push", "kiln-B", ["--push", "-t", f"{reg.host}/kiln/app-b:1"]),
                               ("B import, local", "kiln-C", ["-t", "app:local"])):
        m = reg.mark()
        dt, out = kiln(f"{work}/{state}", "--cache-from", f"type=registry,ref={cache}", *extra, ctx)
        rows.append(("kiln", case, dt, *reg.since(m), "compiling" in re.sub(r"RUN echo compiling", "", out)))
    ctx2 = context(work, "kiln-ctx2", "changed", args)
    m = reg.mark()
    dt, out = kiln(f"{work}/kiln-D", "--cache-from", f"type=registry,ref={cache}", "-t", "app:partial", ctx2)
    rows.append(("kiln", "B partial, local", dt, *reg.since(m), "compiling" in re.sub(r"RUN echo compiling", "", out)))


def run_buildah(work, reg, args, rows):
    cache = f"{reg.host}/buildah/cache"
    ctx = context(work, "buildah-ctx", "final", args)
    common = ["bud", "--layers", "--tls-verify=false", "--runtime", "runc"]

    def build(root, ctxdir, tag, push, *extra):
        m = reg.mark()
        dt, out = buildah(root, *common, *extra, "-t", tag, ctxdir)
        if push:
            dt2, _ = buildah(root, "push", "--tls-verify=false", tag, f"docker://{tag}")
            dt += dt2
        return dt, reg.since(m), "compiling" in re.sub(r"RUN echo compiling", "", out)

    dt, wire, ran = build(f"{work}/bah-A", ctx, f"{reg.host}/buildah/app:1", True, "--cache-to", cache)
    rows.append(("buildah", "A cold + export", dt, *wire, ran))
    dt, wire, ran = build(f"{work}/bah-B", ctx, f"{reg.host}/buildah/app-b:1", True, "--cache-from", cache)
    rows.append(("buildah", "B import, push", dt, *wire, ran))
    dt, wire, ran = build(f"{work}/bah-C", ctx, "localhost/app:local", False, "--cache-from", cache)
    rows.append(("buildah", "B import, local", dt, *wire, ran))
    ctx2 = context(work, "buildah-ctx2", "changed", args)
    dt, wire, ran = build(f"{work}/bah-D", ctx2, "localhost/app:partial", False, "--cache-from", cache)
    rows.append(("buildah", "B partial, local", dt, *wire, ran))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/kiln-cache-bench")
    ap.add_argument("--tools", default="kiln,buildah")
    ap.add_argument("--mb", type=int, default=20, help="size of the builder's output in MiB")
    ap.add_argument("--spin", type=int, default=400000, help="iterations of the builder's busy loop")
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    reg = Registry(args.work)
    rows = []
    try:
        bb = os.path.join(args.work, "busybox-ctx")
        shutil.copytree(os.path.join(REPO, "examples", "busybox"), bb)
        shutil.copy("/bin/busybox", os.path.join(bb, "busybox"))
        args.base = f"{reg.host}/base/busybox:1"
        sh([KILN, "--root", f"{args.work}/kiln-base", "build", "--push", "-t", args.base, bb])
        tools = args.tools.split(",")
        if "kiln" in tools:
            run_kiln(args.work, reg, args, rows)
        if "buildah" in tools and shutil.which("buildah"):
            run_buildah(args.work, reg, args, rows)
    finally:
        reg.stop()
    print(f"{'tool':8} {'case':18} {'seconds':>8} {'MB down':>8} {'MB up':>8} {'blob GETs':>9}  builder ran")
    for tool, case, dt, down, up, gets, ran in rows:
        print(f"{tool:8} {case:18} {dt:8.2f} {down / 1e6:8.2f} {up / 1e6:8.2f} {gets:9d}  {'yes' if ran else 'no'}")
    by = {(t, c): (dt, down) for t, c, dt, down, *_ in rows}
    for case in ("A cold + export", "B import, push", "B import, local", "B partial, local"):
        if ("kiln", case) in by and ("buildah", case) in by:
            k, b = by[("kiln", case)], by[("buildah", case)]
            print(f"ratio kiln/buildah {case:18} time {k[0] / b[0]:.2f}"
                  + (f"  bytes down {k[1] / b[1]:.2f}" if b[1] else f"  bytes down {k[1]} vs 0"))
    json.dump(rows, open(os.path.join(args.work, "results.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
