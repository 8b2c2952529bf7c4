#!/usr/bin/env python3
"""Checks that every function of the C API is wrapped, and tested, in every language binding.

The header (include/llmroute/llmroute.h) is read now, not from a list kept beside it: each
``LLMR_API <return type> llmr_xxx(`` declaration is one function. Each language has a map,
bindings/parity/<language>.tsv, one line per header function:

    <C function> TAB <wrapper> TAB <test>

``wrapper`` is how a user of that language reaches the function (``Router.pick``,
``(*Router).Pick``, ``Router.Pick``); ``test`` names the test that exercises it
(``TestPick``, ``RouterTest.pick``, ``test_routing.py::test_round_robin``, or a test's
description as the tests spell it, which must then appear there verbatim). Several tests may be
given, separated by commas. Lines starting with ``#`` and blank lines are ignored.

The check fails when
  * a language's map is missing (all four are required: go, java, csharp, python);
  * a header function has no line in some map, or has two;
  * a line names a function the header does not declare (a stale line), or is malformed;
  * the wrapper's last identifier (``Pick`` of ``Router.Pick``) is not an identifier of that
    language's sources, or the test's last identifier is not one of its tests'. Identifiers
    are compared whole (``Pick`` is not found in ``PickOptions``).
It prints, per language, how many header functions are wrapped (every check of the line passed)
out of how many the header declares, and exits with 1 if anything failed.

    bindings/parity/check_parity.py [--root <repository>] [--header <llmroute.h>]
"""

import argparse
import pathlib
import re
import sys

# Where each language's wrappers and tests live, relative to the repository root: (directory,
# file suffix, excluded suffix), searched recursively except for a directory ending in "/*"
# (Go: the package itself, not the SWIG output in internal/native that users cannot import).
LANGUAGES = {
    "go": {
        "sources": [("bindings/go/llmroute/*", ".go", "_test.go")],
        "tests": [("bindings/go/llmroute/*", "_test.go", None)],
    },
    "java": {
        "sources": [("bindings/java/src", ".java", None),
                    ("bindings/java/generated", ".java", None)],
        "tests": [("bindings/java/test", ".java", None)],
    },
    "csharp": {
        "sources": [("bindings/csharp/src", ".cs", None),
                    ("bindings/csharp/generated", ".cs", None)],
        "tests": [("bindings/csharp/test", ".cs", None)],
    },
    "python": {
        "sources": [("bindings/python/llmroute", ".py", None)],
        "tests": [("bindings/python/tests", ".py", None)],
    },
}

# `LLMR_API`, then the return type (words, `*`, spaces, line breaks), then the name and `(`.
_DECLARATION = re.compile(r"\bLLMR_API\b[\w\s\*]*?\b(llmr_\w+)\s*\(")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def header_functions(header_text):
    """The functions the header declares with LLMR_API, in order (comments ignored, so a
    declaration quoted in documentation does not count)."""
    names = []
    for name in _DECLARATION.findall(_COMMENT.sub(" ", header_text)):
        if name not in names:
            names.append(name)
    return names


def identifiers(root, places):
    """Every identifier in the files under ``places`` (see LANGUAGES), their text, and how
    many files."""
    found = set()
    texts = []
    files = 0
    for directory, suffix, excluded in places:
        flat = directory.endswith("/*")
        base = root / directory.rstrip("/*")
        if not base.is_dir():
            continue
        for path in sorted(base.glob("*" + suffix) if flat else base.rglob("*" + suffix)):
            if not path.is_file() or (excluded and path.name.endswith(excluded)):
                continue
            files += 1
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
            found.update(_IDENTIFIER.findall(texts[-1]))
    return found, "\n".join(texts), files


_TRAILING_ARGUMENTS = re.compile(r"\s*\([^()]*\)\s*$")


def last_identifier(text):
    """``Pick`` of ``(*Router).Pick``, ``pick`` of ``Router.pick(String, PickOptions)``,
    ``test_x`` of ``test_a.py::test_x``; None when there is none. A trailing argument list is
    not part of the name."""
    stripped = _TRAILING_ARGUMENTS.sub("", text)
    names = _IDENTIFIER.findall(stripped if stripped.strip() else text)
    return names[-1] if names else None


def read_map(path):
    """[(line number, C function, wrapper, [tests])] and a list of problems."""
    rows, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not all(f.strip() for f in fields):
            problems.append("%s:%d: expected <C function>\\t<wrapper>\\t<test>, got %r"
                            % (path.name, number, line))
            continue
        function, wrapper, tests = (f.strip() for f in fields)
        rows.append((number, function, wrapper, [t.strip() for t in tests.split(",")]))
    return rows, problems


def check_language(root, language, places, functions):
    """(wrapped count, problems) of one language."""
    path = root / "bindings" / "parity" / (language + ".tsv")
    if not path.is_file():
        return 0, ["%s: missing (every language needs its map; see bindings/README.md)"
                   % path.relative_to(root)]
    rows, problems = read_map(path)
    sources, _, source_files = identifiers(root, places["sources"])
    tests, test_text, test_files = identifiers(root, places["tests"])
    if not source_files:
        problems.append("%s: no source files found" % language)
    if not test_files:
        problems.append("%s: no test files found" % language)

    declared = set(functions)
    seen = {}
    wrapped = set()
    for number, function, wrapper, test_names in rows:
        where = "%s:%d" % (path.name, number)
        if function not in declared:
            problems.append("%s: %s is not declared in the header (a stale line?)"
                            % (where, function))
            continue
        if function in seen:
            problems.append("%s: %s is already mapped on line %d" % (where, function,
                                                                     seen[function]))
            continue
        seen[function] = number
        ok = True
        name = last_identifier(wrapper)
        if name is None or name not in sources:
            problems.append("%s: wrapper %r of %s: %r is not an identifier of the %s sources"
                            % (where, wrapper, function, name, language))
            ok = False
        for test in test_names:
            test_name = last_identifier(test)
            if test_name is None or test_name not in tests:
                problems.append("%s: test %r of %s: %r is not an identifier of the %s tests"
                                % (where, test, function, test_name, language))
                ok = False
            elif re.search(r"\s", test) and test not in test_text:
                # A description ("Dispose while 4 threads pick"): its last word proves nothing,
                # the whole text must be in the tests.
                problems.append("%s: test %r of %s is not in the %s tests verbatim"
                                % (where, test, function, language))
                ok = False
        if ok:
            wrapped.add(function)
    for function in functions:
        if function not in seen:
            problems.append("%s: no line for %s" % (path.name, function))
    return len(wrapped), problems


def main(argv=None):
    here = pathlib.Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=pathlib.Path, default=here.parents[1],
                        help="the repository root (default: this file's ../..)")
    parser.add_argument("--header", type=pathlib.Path, default=None,
                        help="the C header (default: <root>/include/llmroute/llmroute.h)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    header = args.header or root / "include" / "llmroute" / "llmroute.h"
    functions = header_functions(header.read_text(encoding="utf-8"))
    if not functions:
        print("check_parity: no LLMR_API function found in %s" % header)
        return 1

    failed = False
    for language, places in LANGUAGES.items():
        wrapped, problems = check_language(root, language, places, functions)
        print("%-7s %d/%d header functions wrapped and tested%s"
              % (language + ":", wrapped, len(functions), "" if not problems else
                 " (%d problems)" % len(problems)))
        for problem in problems:
            print("    " + problem)
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
