"""The binding against the C header: every enum value, struct layout and function signature is
parsed out of include/llmroute/llmroute.h, so that a change to the header that the binding does
not follow fails here."""

import ctypes
import os
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

import llmroute
from llmroute import _native
from llmroute import (AllOpenPolicy, BreakerState, EventKind, FallbackKind, Outcome, Override,
                      Status, Strategy)

from conftest import HEADER, HERE


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def header_enums(text):
    """{"llmr_status": {"LLMR_OK": 0, ...}, ...}"""
    enums = {}
    for name, body in re.findall(r"typedef\s+enum\s+(\w+)\s*\{(.*?)\}\s*\1\s*;",
                                 strip_comments(text), flags=re.S):
        values = {}
        for const, value in re.findall(r"\b(LLMR_\w+)\s*=\s*(-?\s*\d+)", body):
            values[const] = int(value.replace(" ", ""))
        # Every enumerator must have an explicit value (the ABI rule); catch one that has not.
        declared = re.findall(r"\b(LLMR_\w+)\b", body)
        assert sorted(declared) == sorted(values), "%s has an enumerator without a value" % name
        enums[name] = values
    return enums


def header_structs(text):
    """{"llmr_pick": [("struct_size", "uint32_t"), ...], ...} for structs with a body."""
    structs = {}
    for name, body in re.findall(r"typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*\1\s*;",
                                 strip_comments(text), flags=re.S):
        fields = []
        for decl in body.split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            m = re.match(r"(.*?)\s*\b(\w+)$", decl)
            assert m, "cannot parse member %r of %s" % (decl, name)
            fields.append((m.group(2), m.group(1)))
        structs[name] = fields
    return structs


def header_functions(text):
    """{"llmr_router_pick": ("llmr_status", ["llmr_router *", ...]), ...}"""
    functions = {}
    for decl in re.findall(r"LLMR_API\s+([^;]*?\))\s*;", strip_comments(text), flags=re.S):
        decl = " ".join(decl.split())
        m = re.match(r"(.*?)\b(\w+)\s*\((.*)\)$", decl)
        assert m, "cannot parse %r" % decl
        ret, name, params = m.group(1).strip(), m.group(2), m.group(3).strip()
        types = []
        if params != "void":
            for p in params.split(","):
                p = p.strip()
                pm = re.match(r"(.*?)\s*\b(\w+)$", p)
                assert pm and pm.group(1), "cannot parse parameter %r of %s" % (p, name)
                types.append(pm.group(1))
        functions[name] = (ret, types)
    return functions


def ctype_of(c_type, enum_names):
    """The ctypes type a C type maps to, by the binding's rules."""
    base = c_type.replace("const", " ").replace("*", " ").split()
    assert len(base) == 1, c_type
    base = base[0]
    stars = c_type.count("*")
    scalars = {
        "uint32_t": ctypes.c_uint32, "int32_t": ctypes.c_int32, "int64_t": ctypes.c_int64,
        "uint64_t": ctypes.c_uint64, "llmr_ticket": ctypes.c_uint64, "double": ctypes.c_double,
        "size_t": ctypes.c_size_t, "llmr_clock_fn": _native.llmr_clock_fn,
        "llmr_random_fn": _native.llmr_random_fn,
    }
    if base == "void":
        t = None if stars == 0 else ctypes.c_void_p
        stars = max(0, stars - 1)
    elif base == "char":
        assert stars >= 1, c_type
        t = ctypes.c_char_p
        stars -= 1
    elif base in enum_names:
        t = ctypes.c_int
    elif base in scalars:
        t = scalars[base]
    else:
        t = getattr(_native, base)  # a struct: llmr_router, llmr_pick, ...
    for _ in range(stars):
        t = ctypes.POINTER(t)
    return t


PY_ENUMS = {
    "llmr_status": (Status, ("LLMR_ERR_", "LLMR_")),
    "llmr_strategy": (Strategy, ("LLMR_STRATEGY_",)),
    "llmr_outcome": (Outcome, ("LLMR_OUTCOME_",)),
    "llmr_breaker_state": (BreakerState, ("LLMR_BREAKER_",)),
    "llmr_override": (Override, ("LLMR_OVERRIDE_",)),
    "llmr_all_open_policy": (AllOpenPolicy, ("LLMR_ALL_OPEN_",)),
    "llmr_fallback_kind": (FallbackKind, ("LLMR_FALLBACK_",)),
    "llmr_event_kind": (EventKind, ("LLMR_EVENT_",)),
}


def py_name(const, prefixes):
    for prefix in prefixes:
        if const.startswith(prefix):
            return const[len(prefix):]
    raise AssertionError("%s has none of the prefixes %s" % (const, prefixes))


def test_header_has_every_enum_the_binding_mirrors(header_text):
    enums = header_enums(header_text)
    assert set(enums) == set(PY_ENUMS), "enums in the header: %s" % sorted(enums)


@pytest.mark.parametrize("c_enum", sorted(PY_ENUMS))
def test_enum_values_equal_the_header(header_text, c_enum):
    py_enum, prefixes = PY_ENUMS[c_enum]
    values = header_enums(header_text)[c_enum]
    from_header = {py_name(const, prefixes): value for const, value in values.items()}
    from_python = {member.name: member.value for member in py_enum}
    assert from_python == from_header


def test_status_names_match_llmr_status_str():
    for status in Status:
        expected = "LLMR_OK" if status == Status.OK else "LLMR_ERR_" + status.name
        assert llmroute.status_str(status) == expected
        assert llmroute.LlmrouteError(status).status_name == expected
    assert llmroute.status_str(-999) == "LLMR_ERR_UNRECOGNISED"


def test_enum_names_match_the_library_str_functions():
    for s in Strategy:
        if s != Strategy.DEFAULT:
            assert llmroute.strategy_str(s) == s.name.lower()
    for k in FallbackKind:
        assert llmroute.fallback_kind_str(k) == k.name.lower()
    assert llmroute.fallback_kind_str(99) is None
    for e in EventKind:
        assert llmroute.event_kind_str(e) == e.name.lower()
    assert llmroute.event_kind_str(99) is None
    for o in Outcome:
        assert llmroute.outcome_str(o) == o.name.lower()
    for b in BreakerState:
        assert llmroute.breaker_state_str(b) == b.name.lower()
    assert llmroute.strategy_str(99) is None
    assert llmroute.outcome_str(99) is None
    assert llmroute.breaker_state_str(99) is None


def test_every_status_has_its_exception_class():
    for status in Status:
        if status == Status.OK:
            continue
        error = llmroute.errors.error_for(status, "m")
        assert error.status == status and error.message == "m"
        assert type(error) is not llmroute.LlmrouteError, status
        assert isinstance(error, llmroute.LlmrouteError)
    unknown = llmroute.errors.error_for(-99, "later")
    assert type(unknown) is llmroute.LlmrouteError and unknown.status == -99


def test_macros_equal_the_header(header_text):
    macros = dict(re.findall(r"#define\s+(LLMR_\w+_MAX)\s+(\d+)", header_text))
    assert int(macros["LLMR_NAME_MAX"]) == llmroute.NAME_MAX
    assert int(macros["LLMR_LIST_MAX"]) == llmroute.LIST_MAX


def test_struct_members_equal_the_header(header_text):
    enum_names = set(header_enums(header_text))
    structs = header_structs(header_text)
    assert set(structs) == set(_native.STRUCTS), sorted(structs)
    for name, fields in structs.items():
        cls = getattr(_native, name)
        expected = [(field, ctype_of(c_type, enum_names)) for field, c_type in fields]
        assert list(cls._fields_) == expected, name


def test_opaque_types_exist(header_text):
    for name in re.findall(r"typedef\s+struct\s+(\w+)\s+\1\s*;", strip_comments(header_text)):
        assert issubclass(getattr(_native, name), ctypes.Structure), name


def test_function_signatures_equal_the_header(header_text):
    enum_names = set(header_enums(header_text))
    functions = header_functions(header_text)
    declared = {name: (restype, argtypes) for name, restype, argtypes in _native.FUNCTIONS}
    assert sorted(declared) == sorted(functions), (
        "missing in the binding: %s; not in the header: %s"
        % (sorted(set(functions) - set(declared)), sorted(set(declared) - set(functions))))
    for name, (ret, params) in functions.items():
        restype, argtypes = declared[name]
        assert restype == ctype_of(ret, enum_names), name
        assert argtypes == [ctype_of(p, enum_names) for p in params], name
        if name in _native.missing_functions:
            continue  # checked by test_library_exports_every_function
        fn = getattr(_native.lib, name)
        assert fn.restype == restype and fn.argtypes == argtypes, name


def test_callback_types_equal_the_header(header_text):
    enum_names = set(header_enums(header_text))
    typedefs = re.findall(r"typedef\s+([^;()]*?)\s*\(\s*\*\s*(\w+)\s*\)\s*\(([^)]*)\)\s*;",
                          strip_comments(header_text), flags=re.S)
    assert {name for _, name, _ in typedefs} == {
        "llmr_clock_fn", "llmr_random_fn", "llmr_sleep_fn", "llmr_invoke_fn", "llmr_release_fn",
        "llmr_event_fn"}
    for ret, name, params in typedefs:
        cfunc = getattr(_native, name)
        params = [" ".join(p.split()) for p in params.split(",")]
        expected_args = [ctype_of(re.match(r"(.*?)\s*\b\w+$", p).group(1), enum_names)
                         for p in params]
        assert cfunc._restype_ == ctype_of(" ".join(ret.split()), enum_names), name
        assert list(cfunc._argtypes_) == expected_args, name


def test_library_exports_every_function(header_text):
    """The library under test implements the whole header (the binding itself tolerates an
    older 1.x library that lacks functions appended later)."""
    assert sorted(_native.missing_functions) == []
    assert _native.BASELINE_FUNCTIONS <= set(header_functions(header_text))


def test_init_writes_no_further_than_the_given_size():
    """Each *_init() stamps the size it was given and leaves the bytes beyond it alone."""
    for name, (cls, init) in _native.VERSIONED_STRUCTS.items():
        size = ctypes.sizeof(cls)
        buf = (ctypes.c_uint8 * (size + 32))(*([0x5A] * (size + 32)))
        obj = cls.from_buffer(buf)
        assert _native.require(init)(obj, size) == 0, name
        assert obj.struct_size == size, name
        assert bytes(buf[size:]) == b"\x5a" * 32, name
        assert _native.require(init)(obj, 4) == Status.INVALID_ARGUMENT, name


def test_init_defaults_are_the_documented_ones():
    o = _native.new_struct(_native.llmr_router_options)
    assert (o.strategy, o.all_open_policy) == (Strategy.ROUND_ROBIN, AllOpenPolicy.FAIL_FAST)
    assert o.breaker_consecutive_failures == 5 and o.breaker_min_requests == 10
    assert o.breaker_failure_ratio == 0.5 and o.breaker_window_ms == 30000
    assert o.breaker_cooldown_base_ms == 5000 and o.breaker_cooldown_max_ms == 300000
    assert o.breaker_jitter == 0.1 and o.half_open_max_probes == 1
    assert o.latency_ewma_alpha == 0.125 and o.latency_buffer == 0.1
    assert o.latency_prior_ms == 1000
    assert not o.clock and not o.random
    assert o.retry_budget_max_tokens == 10 and o.retry_budget_token_ratio == 0.1
    assert not o.sleep
    d = _native.new_struct(_native.llmr_deployment)
    assert (d.weight, d.tier, d.model_count, d.tag_count) == (1, 0, 0, 0)
    assert (d.rpm_limit, d.tpm_limit, d.max_in_flight) == (0, 0, 0)
    c = _native.new_struct(_native.llmr_call_options)
    assert (c.deadline_ms, c.attempt_timeout_ms, c.max_attempts) == (0, 0, 3)
    assert (c.backoff_base_ms, c.backoff_max_ms, bool(c.cancel)) == (100, 5000, False)
    r = _native.new_struct(_native.llmr_report)
    assert (r.outcome, r.latency_ms, r.ttft_ms) == (Outcome.SUCCESS, -1, -1)
    # "Sets struct_size and clears the rest."
    for cls in (_native.llmr_event_listener, _native.llmr_deployment_stats,
                _native.llmr_model_stats):
        obj = _native.new_struct(cls)
        assert obj.struct_size == ctypes.sizeof(cls)
        assert bytes(obj)[4:] == bytes(ctypes.sizeof(cls) - 4), cls.__name__


C_COMPILER = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


@pytest.mark.skipif(C_COMPILER is None, reason="no C compiler to check offsets with")
def test_struct_offsets_equal_a_c_compiler(header_text, tmp_path):
    """sizeof and offsetof of every member, as a C compiler sees the header."""
    structs = header_structs(header_text)
    (tmp_path / "llmroute").mkdir()
    # The real version.h is generated by CMake; the layouts do not depend on it.
    (tmp_path / "llmroute" / "version.h").write_text("#define LLMR_VERSION_NUMBER 0\n")
    lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "%s"' % HEADER,
             "int main(void) {"]
    for name, fields in structs.items():
        lines.append('  printf("%s . %%zu\\n", sizeof(%s));' % (name, name))
        for field, _ in fields:
            lines.append('  printf("%s %s %%zu\\n", offsetof(%s, %s));' % (name, field, name, field))
    lines += ["  return 0;", "}"]
    source = tmp_path / "layout.c"
    source.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "layout"
    subprocess.run([C_COMPILER, "-std=c99", "-I", str(tmp_path), "-o", str(exe), str(source)],
                   check=True, capture_output=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        struct, field, value = line.split()
        cls = getattr(_native, struct)
        got = ctypes.sizeof(cls) if field == "." else getattr(cls, field).offset
        assert got == int(value), "%s.%s" % (struct, field)


def test_library_version_has_the_expected_major():
    number = llmroute.library_version()
    assert number // 1_000_000 == llmroute.EXPECTED_MAJOR
    major, minor, patch = (int(x) for x in llmroute.library_version_string().split("."))
    assert number == major * 1_000_000 + minor * 1000 + patch


def test_library_version_equals_the_generated_header():
    """When the library comes from a build tree, its generated version.h sits beside it."""
    lib = os.environ.get("LLMROUTE_LIBRARY")
    version_h = pathlib.Path(lib).parent / "include" / "llmroute" / "version.h" if lib else None
    if version_h is None or not version_h.is_file():
        pytest.skip("no generated version.h beside the library")
    m = re.search(r"#define\s+LLMR_VERSION_NUMBER\s+(\d+)", version_h.read_text())
    assert int(m.group(1)) == llmroute.library_version()


def run_python(code, env_overrides):
    env = dict(os.environ)
    env.update(env_overrides)
    env["PYTHONPATH"] = str(HERE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_a_missing_library_is_an_import_error(tmp_path):
    result = run_python("import llmroute", {"LLMROUTE_LIBRARY": str(tmp_path / "nope.so.1")})
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "LLMROUTE_LIBRARY" in result.stderr


@pytest.mark.skipif(C_COMPILER is None, reason="no C compiler to build a fake library")
def test_a_library_of_another_major_version_is_refused(tmp_path):
    source = tmp_path / "fake.c"
    source.write_text(textwrap.dedent("""\
        #include <stdint.h>
        int32_t llmr_version(void) { return 2000000; }
        const char *llmr_version_string(void) { return "2.0.0"; }
    """))
    fake = tmp_path / "libllmroute.so.2"
    subprocess.run([C_COMPILER, "-shared", "-fPIC", "-o", str(fake), str(source)], check=True,
                   capture_output=True)
    result = run_python("import llmroute", {"LLMROUTE_LIBRARY": str(fake)})
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "major version 1" in result.stderr, result.stderr
