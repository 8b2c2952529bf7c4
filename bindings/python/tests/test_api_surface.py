"""The package's public surface: a clean namespace, py.typed, and the parity map of the C API
(bindings/parity/python.tsv) resolving to real wrappers and real tests."""

import ast
import dataclasses
import importlib.util
import inspect
import pathlib
import re
import types

import pytest

import llmroute

from conftest import HEADER, HERE

PACKAGE = pathlib.Path(llmroute.__file__).resolve().parent
PARITY = HERE.parents[1] / "parity"


def test_the_package_namespace_is_its_api():
    public = {name for name in dir(llmroute) if not name.startswith("_")}
    submodules = {name for name in public
                  if isinstance(getattr(llmroute, name), types.ModuleType)}
    # Nothing but the API and the package's own modules: no typing names, no __future__ flags.
    assert public - submodules == set(llmroute.__all__)
    assert {getattr(llmroute, name).__name__ for name in submodules} <= {
        "llmroute." + name for name in submodules}
    assert "Optional" not in dir(llmroute) and "annotations" not in dir(llmroute)
    assert len(set(llmroute.__all__)) == len(llmroute.__all__)
    namespace = {}
    exec("from llmroute import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(llmroute.__all__)


def test_every_error_class_is_exported_and_derives_from_the_base():
    errors = [getattr(llmroute, n) for n in llmroute.__all__
              if isinstance(getattr(llmroute, n), type)
              and issubclass(getattr(llmroute, n), llmroute.LlmrouteError)]
    assert llmroute.ClosedError in errors
    assert issubclass(llmroute.ClosedError, llmroute.InvalidArgumentError)
    assert set(llmroute.errors.__all__) <= set(llmroute.__all__)


def test_py_typed_marks_the_package_as_typed():
    marker = PACKAGE / "py.typed"
    assert marker.is_file() and marker.read_bytes() == b""  # PEP 561: an empty marker


def load_checker():
    spec = importlib.util.spec_from_file_location("check_parity", PARITY / "check_parity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def python_rows():
    checker = load_checker()
    rows, problems = checker.read_map(PARITY / "python.tsv")
    assert problems == []
    return rows


def test_the_python_map_covers_the_header():
    checker = load_checker()
    functions = checker.header_functions(HEADER.read_text(encoding="utf-8"))
    root = HERE.parents[2]
    wrapped, problems = checker.check_language(root, "python", checker.LANGUAGES["python"],
                                               functions)
    assert problems == []
    assert wrapped == len(functions) == len(python_rows())


def _resolves(dotted):
    """Whether ``Router.pick``, ``Stats.deployments`` or ``library_version`` names something
    of the package: a module attribute, a class attribute, a dataclass or NamedTuple field, or
    an attribute the class's __init__ assigns."""
    head, *rest = dotted.split(".")
    obj = getattr(llmroute, head, None)
    if obj is None or head not in llmroute.__all__:
        return False
    for name in rest:
        if hasattr(obj, name):
            obj = getattr(obj, name)
            continue
        if not isinstance(obj, type):
            return False
        fields = set()
        if dataclasses.is_dataclass(obj):
            fields |= {f.name for f in dataclasses.fields(obj)}
        fields |= set(getattr(obj, "_fields", ()))
        for klass in obj.__mro__:
            if klass.__module__.startswith("llmroute"):
                fields |= set(re.findall(r"\bself\.([a-z_]+)\s*(?::[^=\n]*)?=",
                                         inspect.getsource(klass)))
        return name in fields and name == rest[-1]
    return True


def test_every_wrapper_of_the_python_map_is_part_of_the_api():
    unresolved = [(function, wrapper) for _, function, wrapper, _ in python_rows()
                  if not _resolves(wrapper)]
    assert unresolved == []


def _test_functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_test_of_the_python_map_is_a_test_function_of_its_file():
    missing = []
    for _, function, _, tests in python_rows():
        for test in tests:
            filename, sep, name = test.partition("::")
            path = HERE / filename
            if not sep or not path.is_file() or name not in _test_functions(path):
                missing.append((function, test))
    assert missing == []


@pytest.mark.parametrize("line, expected", [
    ("LLMR_API const char *llmr_status_str(llmr_status status);", ["llmr_status_str"]),
    ("LLMR_API llmr_status\nllmr_router_create(const llmr_router_options *o, llmr_router **out);",
     ["llmr_router_create"]),
    ("/* LLMR_API void llmr_in_a_comment(void); */ LLMR_API void llmr_real(void);",
     ["llmr_real"]),
    ("#define LLMR_API __attribute__((visibility(\"default\")))", []),
])
def test_the_checker_reads_declarations(line, expected):
    assert load_checker().header_functions(line) == expected


@pytest.mark.parametrize("name, expected", [
    ("Router.pick", "pick"), ("(*Router).Pick", "Pick"), ("Router::Pick()", "Pick"),
    ("Router.pick(String, PickOptions)", "pick"), ("test_a.py::test_x", "test_x"),
    ("RouterTest#closeWhilePicking()", "closeWhilePicking"), ("()", None),
])
def test_the_checker_takes_the_last_identifier_of_a_name(name, expected):
    assert load_checker().last_identifier(name) == expected


def test_the_checker_fails_on_every_kind_of_gap(tmp_path):
    """A missing map, a missing function, a stale or duplicate line, a wrapper or test that is
    not an identifier of the sources (whole words only): each is reported."""
    checker = load_checker()
    root = tmp_path
    (root / "bindings" / "parity").mkdir(parents=True)
    (root / "bindings" / "python" / "llmroute").mkdir(parents=True)
    (root / "bindings" / "python" / "tests").mkdir(parents=True)
    (root / "bindings" / "python" / "llmroute" / "router.py").write_text(
        "class Router:\n    def pick_options(self): ...\n    def close(self): ...\n")
    (root / "bindings" / "python" / "tests" / "test_x.py").write_text(
        "def test_close(): ...\nTest('close while picking', test_close)\n")
    functions = ["llmr_router_pick", "llmr_router_destroy", "llmr_router_report"]
    places = checker.LANGUAGES["python"]
    wrapped, problems = checker.check_language(root, "python", places, functions)
    assert wrapped == 0 and len(problems) == 1 and "missing" in problems[0]

    (root / "bindings" / "parity" / "python.tsv").write_text(
        "# comment\n\n"
        "llmr_router_destroy\tRouter.close\ttest_x.py::test_close\n"
        "llmr_router_pick\tRouter.pick\ttest_x.py::test_close\n"    # `pick` only in pick_options
        "llmr_router_destroy\tRouter.close\ttest_x.py::test_close\n"  # duplicate
        "llmr_gone\tRouter.close\ttest_x.py::test_close\n"            # not in the header
        "llmr_router_report\tRouter.close\ttest_x.py::test_report\n"  # no such test
        "llmr_router_report only two fields\n")
    wrapped, problems = checker.check_language(root, "python", places, functions)
    assert wrapped == 1  # llmr_router_destroy only
    text = "\n".join(problems)
    assert "'pick' is not an identifier of the python sources" in text
    assert "llmr_router_destroy is already mapped on line 3" in text
    assert "llmr_gone is not declared in the header" in text
    assert "'test_report' is not an identifier of the python tests" in text
    assert "expected <C function>" in text
    assert len(problems) == 5

    # A description must be in the tests verbatim, not only its last word.
    (root / "bindings" / "parity" / "python.tsv").write_text(
        "llmr_router_destroy\tRouter.close\tclose while picking\n"
        "llmr_router_pick\tRouter.close\tpicking while close\n"
        "llmr_router_report\tRouter.close(int ticket, Outcome outcome)\ttest_close()\n")
    wrapped, problems = checker.check_language(root, "python", places, functions)
    assert wrapped == 2
    assert problems == ["python.tsv:2: test 'picking while close' of llmr_router_pick is not in "
                        "the python tests verbatim"]
