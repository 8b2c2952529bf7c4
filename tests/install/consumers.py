#!/usr/bin/env python3
"""The install tree as each ecosystem consumes it (issue 15's "done when"), run by CTest.

`consumers.py install` installs the build into a scratch prefix and checks its layout and the
RUNPATH of every ELF file in it; every other mode then uses that prefix alone, with
LD_LIBRARY_PATH empty and no llmroute variable set:

  pkgconfig  a C program built with `cc ... $(pkg-config --cflags --libs llmroute)`
  cmake      a CMake project with find_package(llmroute)
  sim        bin/llmroute-sim on a scenario from share/llmroute/scenarios
  java       `java -cp llmroute.jar:. App`: the jar alone, no -D, no library path
  csharp     a C# program against the .nupkg's contents, under Mono; and against lib/llmroute/csharp
  python     a fresh venv, `pip install --no-index` of the wheel, `import llmroute`, a pick
  go         examples/go-gateway built as its README says, started, serving /healthz

Every mode prints what it checked and exits non-zero on the first failure.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile

ARGS = None


def fail(message):
    print("FAILED: " + message, file=sys.stderr)
    sys.exit(1)


def clean_env(**extra):
    """The environment of a consumer: nothing points at the build tree."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LLMROUTE_", "PKG_CONFIG", "CGO_", "MONO_", "JAVA_TOOL"))
           and k not in ("PYTHONPATH", "CLASSPATH", "_JAVA_OPTIONS")}
    env["LD_LIBRARY_PATH"] = ""
    env.update(extra)
    return env


def run(cmd, env=None, cwd=None, expect=None, timeout=600):
    print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, env=env if env is not None else clean_env(), cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)
    if proc.stdout.strip():
        print(proc.stdout.rstrip())
    if proc.returncode != 0:
        fail("%s exited with %d" % (cmd[0], proc.returncode))
    if expect is not None and not re.search(expect, proc.stdout):
        fail("%s: output does not match %r" % (cmd[0], expect))
    return proc.stdout


def prefix_path(*parts):
    return os.path.join(ARGS.prefix, *parts)


def work_dir(name):
    path = os.path.join(ARGS.work, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def pkg_config_env():
    return clean_env(PKG_CONFIG_PATH=prefix_path(ARGS.libdir, "pkgconfig"))


def pkg_config(*args):
    return run([ARGS.pkg_config, *args, "llmroute"], env=pkg_config_env()).strip()


# ---- install -------------------------------------------------------------------------------

def elf_files(root):
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    yield path


def runpath_of(path):
    out = subprocess.run([ARGS.readelf, "-d", path], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    found = re.findall(r"\((?:RUNPATH|RPATH)\)[^\[]*\[([^\]]*)\]", out)
    return found[0] if found else ""


def mode_install():
    shutil.rmtree(ARGS.prefix, ignore_errors=True)
    cmd = [ARGS.cmake, "--install", ARGS.build, "--prefix", ARGS.prefix]
    if ARGS.config:
        cmd += ["--config", ARGS.config]
    run(cmd, env=dict(os.environ))

    lib = ARGS.libdir
    expected = [
        "include/llmroute/llmroute.h", "include/llmroute/version.h",
        lib + "/libllmroute.so.1", lib + "/pkgconfig/llmroute.pc",
        lib + "/cmake/llmroute/llmrouteConfig.cmake",
    ]
    if "sim" in ARGS.parts:
        expected += ["bin/llmroute-sim", "share/llmroute/scenarios/outage-and-recovery.json"]
    if "java" in ARGS.parts:
        expected += ["share/java/llmroute-%s.jar" % ARGS.version, "share/java/llmroute.jar",
                     lib + "/jni/libllmroute_java.so",
                     "share/maven-repo/io/llmroute/llmroute/%s/llmroute-%s.pom"
                     % (ARGS.version, ARGS.version),
                     "share/maven-repo/io/llmroute/llmroute/%s/llmroute-%s.jar"
                     % (ARGS.version, ARGS.version)]
    if "csharp" in ARGS.parts:
        expected += ["share/llmroute/nuget/LlmRoute.%s.nupkg" % ARGS.version,
                     lib + "/llmroute/csharp/LlmRoute.dll",
                     lib + "/llmroute/csharp/libllmroute_csharp.so"]
    for rel in expected:
        if not os.path.exists(prefix_path(rel)):
            fail("%s was not installed" % rel)
    if "python" in ARGS.parts and not wheels():
        fail("no wheel in share/llmroute/python")

    # version.h and the library agree on the features; the .pc file lists them.
    with open(prefix_path("include/llmroute/version.h")) as f:
        have_redis = re.search(r"#define LLMR_HAVE_REDIS ([01])\b", f.read())
    if not have_redis:
        fail("version.h has no LLMR_HAVE_REDIS 0/1")
    want_features = ARGS.features.split()
    if (have_redis.group(1) == "1") != ("redis" in want_features):
        fail("version.h says LLMR_HAVE_REDIS %s, the build's features are %r"
             % (have_redis.group(1), want_features))

    # Every installed ELF file finds its libraries relative to itself: no absolute RUNPATH, in
    # particular none into the build tree.
    checked = 0
    for path in elf_files(ARGS.prefix):
        runpath = runpath_of(path)
        for entry in filter(None, runpath.split(":")):
            if not entry.startswith("$ORIGIN"):
                fail("%s has RUNPATH entry %s (not $ORIGIN-relative)" % (path, entry))
        if ARGS.build in runpath:
            fail("%s has a RUNPATH into the build tree: %s" % (path, runpath))
        checked += 1
    print("install OK: %d files checked; %d ELF files, every RUNPATH $ORIGIN-relative"
          % (len(expected), checked))


# ---- C via pkg-config, CMake ------------------------------------------------------------------

def mode_pkgconfig():
    features = pkg_config("--variable=features")
    if features.split() != ARGS.features.split():
        fail("pkg-config --variable=features llmroute gives %r, the build has %r"
             % (features, ARGS.features))
    flags = pkg_config("--cflags", "--libs").split()
    libdir = pkg_config("--variable=libdir")
    out = os.path.join(work_dir("pkgconfig"), "consumer")
    run([ARGS.cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
         os.path.join(ARGS.source, "tests/install/consumer/main.c"), *flags,
         "-Wl,-rpath," + libdir, "-o", out], env=pkg_config_env())
    run([out], expect=r"consumer ok")
    print("pkg-config consumer OK (features: %r)" % features)


def mode_cmake():
    bin_dir = work_dir("cmake")
    cmd = [ARGS.cmake, "-S", os.path.join(ARGS.source, "tests/install/consumer"), "-B", bin_dir,
           "-G", ARGS.generator, "-DCMAKE_PREFIX_PATH=" + ARGS.prefix,
           "-DCMAKE_C_COMPILER=" + ARGS.cc, "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"]
    if ARGS.make_program:
        cmd.append("-DCMAKE_MAKE_PROGRAM=" + ARGS.make_program)
    out = run(cmd, env=clean_env(), expect=r"llmroute %s from " % re.escape(ARGS.version))
    m = re.search(r"llmroute features: \[([^\]]*)\]", out)
    if not m or m.group(1).split(";") != (ARGS.features.split() or [""]):
        fail("the CMake package's llmroute_FEATURES is %r, the build has %r"
             % (m.group(1) if m else None, ARGS.features))
    run([ARGS.cmake, "--build", bin_dir], env=clean_env())
    run([os.path.join(bin_dir, "consumer")], expect=r"consumer ok")
    print("CMake consumer OK")


# ---- the simulator -----------------------------------------------------------------------------

def mode_sim():
    out_dir = work_dir("sim")
    scenario = prefix_path("share/llmroute/scenarios/outage-and-recovery.json")
    out = run([prefix_path("bin/llmroute-sim"), scenario, "--compare", "naive,round_robin",
               "--no-svg", "--no-progress"], cwd=out_dir)
    for router in ("naive", "round_robin"):
        if router not in out:
            fail("llmroute-sim printed no table for %s" % router)
    print("llmroute-sim OK")


# ---- Java ----------------------------------------------------------------------------------------

JAVA_APP = r"""
import io.llmroute.*;

public class App {
  public static void main(String[] args) {
    try (Router router = Router.create()) {
      router.addDeployment(Routers.deployment("azure-eu", "gpt-4o*"));
      Pick pick = router.pick("gpt-4o-mini");
      if (!pick.getDeployment().equals("azure-eu")) throw new AssertionError(pick.getDeployment());
      router.report(pick.getTicket(), Outcome.SUCCESS, 840);
      try {
        router.pick("claude-3");
        throw new AssertionError("an unknown model was routed");
      } catch (LlmrouteException e) {
        if (e.getStatus() != Status.UNKNOWN_MODEL) throw new AssertionError(e.getStatus());
      }
      System.out.println("java consumer ok: " + pick.getDeployment());
    }
  }
}
"""


def mode_java():
    app_dir = work_dir("java")
    jar = os.path.join(app_dir, "llmroute.jar")
    shutil.copy(os.path.realpath(prefix_path("share/java/llmroute.jar")), jar)
    with zipfile.ZipFile(jar) as z:
        names = set(z.namelist())
        libraries = z.read("META-INF/native/linux-x86_64/LIBRARIES").decode().split()
        pom = z.read("META-INF/maven/io.llmroute/llmroute/pom.xml").decode()
        props = z.read("META-INF/maven/io.llmroute/llmroute/pom.properties").decode()
    for name in ("META-INF/native/linux-x86_64/libllmroute_java.so",
                 "META-INF/native/linux-x86_64/libllmroute.so.1", "io/llmroute/Router.class",
                 "io/llmroute/NativeLoader.class"):
        if name not in names:
            fail("the jar has no %s" % name)
    if libraries != ["libllmroute.so.1", "libllmroute_java.so"]:
        fail("LIBRARIES lists %r" % libraries)
    if "<artifactId>llmroute</artifactId>" not in pom or "version=%s" % ARGS.version not in props:
        fail("the jar's Maven metadata is wrong:\n" + props)
    with open(os.path.join(app_dir, "App.java"), "w") as f:
        f.write(JAVA_APP)
    run([ARGS.javac, "-cp", "llmroute.jar", "App.java"], cwd=app_dir)
    run([ARGS.java, "-cp", "llmroute.jar:.", "App"], cwd=app_dir,
        expect=r"java consumer ok: azure-eu")
    # The loader's temporary folder is gone once the libraries are loaded.
    tmp = os.path.join(app_dir, "tmp")
    os.makedirs(tmp)
    run([ARGS.java, "-Djava.io.tmpdir=" + tmp, "-cp", "llmroute.jar:.", "App"], cwd=app_dir,
        expect=r"java consumer ok: azure-eu")
    left = os.listdir(tmp)
    if left:
        fail("the native loader left %r in java.io.tmpdir" % left)
    print("Java consumer OK (jar alone, no -D, no LD_LIBRARY_PATH; nothing left in the tmpdir)")


# ---- C# ------------------------------------------------------------------------------------------

CSHARP_APP = r"""
using System;
using LlmRoute;

static class App {
  static int Main() {
    using (var router = Router.Create()) {
      var d = new Deployment("azure-eu");
      d.AddModel("gpt-4o*");
      router.AddDeployment(d);
      PickResult pick = router.Pick("gpt-4o-mini");
      if (pick.Deployment != "azure-eu") throw new Exception(pick.Deployment);
      router.Report(pick.Ticket, Outcome.SUCCESS, 840);
      Console.WriteLine("csharp consumer ok: " + pick.Deployment);
    }
    return 0;
  }
}
"""


def mode_csharp():
    app_dir = work_dir("csharp")
    nupkg = prefix_path("share/llmroute/nuget/LlmRoute.%s.nupkg" % ARGS.version)
    pkg = os.path.join(app_dir, "package")
    with zipfile.ZipFile(nupkg) as z:
        names = set(z.namelist())
        z.extractall(pkg)
    want = {"LlmRoute.nuspec", "[Content_Types].xml", "_rels/.rels",
            "lib/netstandard2.0/LlmRoute.dll", "lib/netstandard2.0/LlmRoute.dll.config",
            "runtimes/linux-x64/native/libllmroute_csharp.so",
            "runtimes/linux-x64/native/libllmroute.so.1"}
    if names != want:
        fail("the .nupkg holds %s, expected %s" % (sorted(names), sorted(want)))
    with open(os.path.join(pkg, "LlmRoute.nuspec")) as f:
        nuspec = f.read()
    if "<id>LlmRoute</id>" not in nuspec or "<version>%s</version>" % ARGS.version not in nuspec:
        fail("the .nuspec has the wrong id or version")
    # zipfile drops the permission bits; the loader needs none but read, the RUNPATH does the rest.
    source = os.path.join(app_dir, "App.cs")
    with open(source, "w") as f:
        f.write(CSHARP_APP)
    lib_dir = os.path.join(pkg, "lib", "netstandard2.0")
    exe = os.path.join(app_dir, "App.exe")
    run([ARGS.mcs, "-nologo", "-r:" + os.path.join(lib_dir, "LlmRoute.dll"), "-out:" + exe,
         source])
    # The package's contents: Mono finds the assembly through MONO_PATH and the native library
    # through the assembly's dllmap into runtimes/linux-x64/native/.
    run([ARGS.mono, exe], env=clean_env(MONO_PATH=lib_dir), cwd=app_dir,
        expect=r"csharp consumer ok: azure-eu")
    # The installed assembly, with the native library beside it.
    run([ARGS.mono, exe], env=clean_env(MONO_PATH=prefix_path(ARGS.libdir, "llmroute", "csharp")),
        cwd=app_dir, expect=r"csharp consumer ok: azure-eu")
    print("C# consumer OK (package contents and installed assembly, under Mono)")


# ---- Python --------------------------------------------------------------------------------------

PY_APP = r"""
import os, sys
import llmroute
with llmroute.Router() as router:
    router.add_deployment("azure-eu", ["gpt-4o*"])
    pick = router.pick("gpt-4o-mini")
    assert pick.deployment == "azure-eu", pick
    router.report(pick, llmroute.Outcome.SUCCESS, latency_ms=840.0)
here = os.path.dirname(os.path.abspath(llmroute.__file__))
assert os.path.dirname(os.path.abspath(llmroute.library_path)) == here, llmroute.library_path
assert os.path.isfile(os.path.join(here, "py.typed"))
assert sys.prefix != sys.base_prefix  # a venv
print("python consumer ok: %s from %s, redis=%s" % (
    pick.deployment, llmroute.library_path, llmroute.feature_enabled("redis")))
"""


def wheels():
    folder = prefix_path("share/llmroute/python")
    return sorted(os.path.join(folder, n) for n in os.listdir(folder)
                  if n.endswith(".whl")) if os.path.isdir(folder) else []


def mode_python():
    found = wheels()
    if len(found) != 1:
        fail("expected one wheel in share/llmroute/python, found %r" % found)
    wheel = found[0]
    if not re.search(r"llmroute-%s-py3-none-linux_x86_64\.whl$" % re.escape(ARGS.version), wheel):
        fail("unexpected wheel name %s" % os.path.basename(wheel))
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    for name in ("llmroute/libllmroute.so.1", "llmroute/py.typed", "llmroute/__init__.py",
                 "llmroute/features.py"):
        if name not in names:
            fail("the wheel has no %s" % name)
    venv = os.path.join(work_dir("python"), "venv")
    run([ARGS.python, "-m", "venv", venv])
    py = os.path.join(venv, "bin", "python")
    run([py, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
         "--disable-pip-version-check", wheel])
    run([py, "-c", PY_APP], cwd=ARGS.work, expect=r"python consumer ok: azure-eu from "
        + re.escape(venv))
    check_tool_output_is_ignored()
    print("Python consumer OK (fresh venv, wheel only)")


def check_tool_output_is_ignored():
    """What the languages' own tools write when run in the checkout (pip install bindings/python,
    python -m build, mvn -f bindings/java/pom.xml) is ignored by git; CMake builds write only
    under build/."""
    git = shutil.which("git")
    if not git or subprocess.run([git, "-C", ARGS.source, "rev-parse"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        print("not a git checkout: the .gitignore check does not apply")
        return
    paths = ["bindings/python/build/lib/llmroute/__init__.py",
             "bindings/python/llmroute.egg-info/PKG-INFO",
             "bindings/python/dist/llmroute-1.0.0.tar.gz",
             "bindings/java/target/classes/io/llmroute/Router.class",
             "build/dev/CMakeCache.txt"]
    proc = subprocess.run([git, "-C", ARGS.source, "check-ignore", "--no-index", *paths],
                          stdout=subprocess.PIPE, text=True)
    ignored = set(proc.stdout.split())
    missing = [p for p in paths if p not in ignored]
    if missing:
        fail("git does not ignore what the language tools write: %s" % missing)
    print("tool output in the tree is ignored: %s" % ", ".join(paths))


# ---- Go ------------------------------------------------------------------------------------------

def mode_go():
    out_dir = work_dir("go")
    gateway_src = os.path.join(ARGS.source, "examples", "go-gateway")
    libdir = pkg_config("--variable=libdir")
    # examples/go-gateway/README.md, "Build against an installed llmroute".
    env = clean_env(PKG_CONFIG_PATH=prefix_path(ARGS.libdir, "pkgconfig"),
                    CGO_LDFLAGS="-Wl,-rpath," + libdir,
                    GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local")
    exe = os.path.join(out_dir, "go-gateway")
    run([ARGS.go, "build", "-o", exe, "."], env=env, cwd=gateway_src)

    config = os.path.join(out_dir, "gateway.json")
    with open(config, "w") as f:
        json.dump({"_gateway": {"upstreams": {"local": {"base_url": "http://127.0.0.1:9/v1"}}},
                   "deployments": [{"name": "local", "models": ["gpt-4o"]}]}, f)
    proc = subprocess.Popen([exe, "-config", config, "-listen", "127.0.0.1:0"], env=clean_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        addr = None
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r'addr=(http://127\.0\.0\.1:\d+)', line)
            if m:
                addr = m.group(1)
                break
        if addr is None:
            fail("the gateway did not start:\n" + "".join(lines))
        with urllib.request.urlopen(addr + "/v1/models", timeout=30) as response:
            models = json.loads(response.read())
        if "gpt-4o" not in json.dumps(models):
            fail("/v1/models does not list gpt-4o: %r" % models)
        print("gateway at %s serves /v1/models: %s" % (addr, json.dumps(models)))
        proc.send_signal(signal.SIGTERM)
        if proc.wait(timeout=60) != 0:
            fail("the gateway exited with %d after SIGTERM" % proc.returncode)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print("Go gateway OK (built per its README, started, served a request)")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("mode")
    for name in ("build", "prefix", "work", "source", "libdir", "version", "cmake"):
        parser.add_argument("--" + name, required=True)
    for name in ("config", "features", "parts", "generator", "make-program", "cc", "pkg-config",
                 "readelf", "java", "javac", "mcs", "mono", "python", "go"):
        parser.add_argument("--" + name, default="")
    ARGS = parser.parse_args()
    ARGS.parts = ARGS.parts.split(",")
    os.makedirs(ARGS.work, exist_ok=True)
    mode = globals().get("mode_" + ARGS.mode)
    if mode is None:
        fail("unknown mode " + ARGS.mode)
    mode()


if __name__ == "__main__":
    main()
