"""Optional features of the loaded libllmroute (llmr_feature_enabled() in llmroute.h)."""

from __future__ import annotations

from . import _native

#: Every feature name the C API knows in this version of the binding.
KNOWN_FEATURES = ("redis",)


def feature_enabled(name: str) -> bool:
    """Whether the loaded library was built with the optional feature ``name`` ("redis": fleet
    shared state, docs/fleet.md). Raises ValueError for a name the library does not know (the C
    function answers 0 and names the problem in llmr_error_message(), read here on the same
    thread), TypeError for a non-str, and MissingFunctionError for a library older than the
    function."""
    if not isinstance(name, str):
        raise TypeError("llmroute.feature_enabled: name must be a str, not %s"
                        % type(name).__name__)
    fn = _native.require("llmr_feature_enabled")
    if fn(name.encode("utf-8")):
        return True
    message = _native.lib.llmr_error_message().decode("utf-8", "replace")
    if message:
        raise ValueError(message)
    return False
