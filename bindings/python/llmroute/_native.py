"""The ctypes layer: loads libllmroute and declares the C API exactly as llmroute.h does.

Nothing here is idiomatic on purpose; router.py builds the Python API on top of it.

Loading (library_location()): ``$LLMROUTE_LIBRARY`` (a full path, for tests of an uninstalled
build) when set, else the copy a wheel carries beside this module, else the SONAME
``libllmroute.so.1`` through the dynamic loader's ordinary search (LD_LIBRARY_PATH, the ld.so
cache, ...). The major version is part of the name, so a libllmroute.so.2 is never
picked up by accident; llmr_version() is checked on top of that.

Struct layouts mirror the header field by field (tests/test_abi.py checks names, types, sizes
and, when a C compiler is around, offsets). Enum members of structs and enum parameters are
``c_int``: a C enum whose values fit in int has int's size and alignment on every ABI we run on.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char_p,
    c_double,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)

from . import _options_generated

# The major version this binding speaks (the SONAME's number) and the oldest library it can
# use: every function and struct member declared below exists since 1.0.0.
EXPECTED_MAJOR = 1
MIN_VERSION_NUMBER = 1_000_000

LIBRARY_ENV = "LLMROUTE_LIBRARY"

if sys.platform == "darwin":
    SONAME = "libllmroute.%d.dylib" % EXPECTED_MAJOR
elif sys.platform.startswith("win") or sys.platform == "cygwin":
    SONAME = "llmroute.dll"
else:
    SONAME = "libllmroute.so.%d" % EXPECTED_MAJOR

# ---------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------

llmr_status = c_int
llmr_strategy = c_int
llmr_outcome = c_int
llmr_breaker_state = c_int
llmr_override = c_int
llmr_all_open_policy = c_int
llmr_fallback_kind = c_int
llmr_event_kind = c_int
llmr_ticket = c_uint64

# typedef int64_t (*llmr_clock_fn)(void *user_data);
llmr_clock_fn = CFUNCTYPE(c_int64, c_void_p)
# typedef uint64_t (*llmr_random_fn)(void *user_data);
llmr_random_fn = CFUNCTYPE(c_uint64, c_void_p)
# typedef void (*llmr_sleep_fn)(void *user_data, int64_t duration_ns);
llmr_sleep_fn = CFUNCTYPE(None, c_void_p, c_int64)


class llmr_router(Structure):
    """Opaque."""


class llmr_fallbacks(Structure):
    """Opaque."""


class llmr_explanation(Structure):
    _fields_ = []


class llmr_health_list(Structure):
    """Opaque."""


class llmr_cancel(Structure):
    """Opaque."""


class llmr_call_context(Structure):
    """Opaque."""


class llmr_call_report(Structure):
    """Opaque."""


def _ctypes_fields(fields):
    """(name, ctypes type) pairs from the generated (name, type name) pairs of _options_generated:
    a type name is a ctypes name, POINTER(c_char_p), or a name defined in this module (enums and
    callbacks)."""
    out = []
    for name, type_name in fields:
        if type_name.startswith("POINTER(") and type_name.endswith(")"):
            ctype = POINTER(getattr(ctypes, type_name[len("POINTER("):-1]))
        else:
            ctype = getattr(ctypes, type_name, None) or globals()[type_name]
        out.append((name, ctype))
    return out


class llmr_router_options(Structure):
    # Every member, in the header's order, from the options table (src/options/router_options.def).
    _fields_ = _ctypes_fields(_options_generated.ROUTER_OPTIONS_FIELDS)


class llmr_deployment(Structure):
    _fields_ = _ctypes_fields(_options_generated.DEPLOYMENT_FIELDS)


class llmr_pick_options(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("exclude", POINTER(c_char_p)),
        ("exclude_count", c_size_t),
        ("affinity_key", c_char_p),
        ("required_tags", POINTER(c_char_p)),
        ("required_tag_count", c_size_t),
        ("expected_input_tokens", c_int64),
        ("expected_output_tokens", c_int64),
        ("max_price", c_double),
        ("deadline_ms", c_int64),
        ("prefix_hashes", POINTER(c_uint64)),
        ("prefix_hash_count", c_size_t),
        ("trace", c_int32),
        ("trace_out", POINTER(POINTER(llmr_explanation))),
        ("priority", c_int32),
    ]


class llmr_engine_load(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("waiting", c_int64),
        ("running", c_int64),
        ("kv_cache_utilization", c_double),
        ("read_at_ns", c_int64),
    ]


class llmr_pick(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("ticket", llmr_ticket),
        ("deployment", c_char_p),
        ("model", c_char_p),
        ("tier", c_uint32),
        ("is_probe", c_int32),
        ("is_panic", c_int32),
        ("retry_after_ms", c_int64),
        ("deadline_unmet", c_int32),
    ]


class llmr_report(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("outcome", llmr_outcome),
        ("latency_ms", c_double),
        ("ttft_ms", c_double),
        ("retry_after_ms", c_int64),
        ("input_tokens", c_int64),
        ("output_tokens", c_int64),
        ("quota_remaining_requests", c_int64),
        ("quota_remaining_tokens", c_int64),
        ("quota_requests_reset_ms", c_int64),
        ("quota_tokens_reset_ms", c_int64),
    ]


class llmr_explain_candidate(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("deployment", c_char_p),
        ("tier", c_uint32),
        ("state", llmr_breaker_state),
        ("override_mode", llmr_override),
        ("cooldown_remaining_ms", c_int64),
        ("in_flight", c_int64),
        ("weight", c_uint32),
        ("rpm_limit", c_uint32),
        ("tpm_limit", c_uint64),
        ("max_in_flight", c_uint32),
        ("requests_in_window", c_uint64),
        ("tokens_in_window", c_uint64),
        ("ewma_latency_ms", c_double),
        ("failure_ratio", c_double),
        ("price", c_double),
        ("score", c_double),
        ("rank", c_int32),
        ("tier_share", c_double),
        ("filtered", c_int32),
        ("reason", c_char_p),
        ("is_probe", c_int32),
        ("picked", c_int32),
    ]


class llmr_explain_summary(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("model", c_char_p),
        ("strategy", llmr_strategy),
        ("score_kind", c_char_p),
        ("status", llmr_status),
        ("message", c_char_p),
        ("retry_after_ms", c_int64),
        ("picked", c_char_p),
        ("picked_index", c_int64),
        ("is_panic", c_int32),
        ("approximate", c_int32),
        ("deadline_unmet", c_int32),
    ]


class llmr_invoke_args(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("deployment", c_char_p),
        ("model", c_char_p),
        ("request", c_void_p),
        ("request_len", c_size_t),
        ("attempt", c_uint32),
        ("timeout_ms", c_int64),
        ("context", POINTER(llmr_call_context)),
        ("first_byte_timeout_ms", c_int64),
        ("idle_timeout_ms", c_int64),
        ("is_hedge", c_int32),
    ]


class llmr_attempt_result(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("outcome", llmr_outcome),
        ("latency_ms", c_double),
        ("ttft_ms", c_double),
        ("retry_after_ms", c_int64),
        ("input_tokens", c_int64),
        ("output_tokens", c_int64),
        ("committed", c_int32),
    ]


# typedef llmr_status (*llmr_invoke_fn)(void *user_data, const llmr_invoke_args *args,
#                                       llmr_attempt_result *result);
llmr_invoke_fn = CFUNCTYPE(llmr_status, c_void_p, POINTER(llmr_invoke_args),
                           POINTER(llmr_attempt_result))
# typedef void (*llmr_release_fn)(void *user_data);
llmr_release_fn = CFUNCTYPE(None, c_void_p)


class llmr_adapter(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("user_data", c_void_p),
        ("invoke", llmr_invoke_fn),
        ("release", llmr_release_fn),
    ]


class llmr_call_options(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("deadline_ms", c_int64),
        ("attempt_timeout_ms", c_int64),
        ("max_attempts", c_uint32),
        ("backoff_base_ms", c_int64),
        ("backoff_max_ms", c_int64),
        ("cancel", POINTER(llmr_cancel)),
        ("first_byte_timeout_ms", c_int64),
        ("idle_timeout_ms", c_int64),
        ("hedge_after_ms", c_int64),
        ("hedge_after_quantile", c_double),
        ("max_hedges", c_uint32),
        ("priority", c_int32),
    ]


class llmr_attempt_info(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("deployment", c_char_p),
        ("model", c_char_p),
        ("outcome", llmr_outcome),
        ("latency_ms", c_double),
        ("backoff_ms", c_int64),
        ("committed", c_int32),
        ("adapter_failed", c_int32),
        ("hedge", c_int32),
        ("cancelled", c_int32),
    ]


class llmr_call_summary(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("status", llmr_status),
        ("final_outcome", llmr_outcome),
        ("deployment", c_char_p),
        ("model", c_char_p),
        ("used_fallback", c_int32),
        ("attempts", c_size_t),
        ("retry_after_ms", c_int64),
        ("total_ms", c_int64),
        ("response", c_void_p),
        ("response_len", c_size_t),
        ("detail", c_char_p),
    ]


class llmr_health(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("name", c_char_p),
        ("state", llmr_breaker_state),
        ("override_mode", llmr_override),
        ("eligible", c_int32),
        ("ewma_latency_ms", c_double),
        ("failure_ratio", c_double),
        ("in_flight", c_int64),
        ("picks", c_int64),
        ("successes", c_int64),
        ("failures", c_int64),
        ("request_errors", c_int64),
        ("cancels", c_int64),
        ("trips", c_int64),
        ("consecutive_failures", c_int64),
        ("cooldown_remaining_ms", c_int64),
        ("weight", c_uint32),
        ("tier", c_uint32),
        ("quota_remaining_requests", c_int64),
        ("quota_remaining_tokens", c_int64),
        ("quota_requests_reset_ms", c_int64),
        ("quota_tokens_reset_ms", c_int64),
        ("quota_exhausted_ms", c_int64),
        ("quota_exhaustions", c_int64),
    ]


class llmr_event(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("kind", llmr_event_kind),
        ("deployment", c_char_p),
        ("from", llmr_breaker_state),
        ("to", llmr_breaker_state),
        ("cooldown_ms", c_int64),
        ("added", POINTER(c_char_p)),
        ("added_count", c_size_t),
        ("removed", POINTER(c_char_p)),
        ("removed_count", c_size_t),
        ("kept_count", c_size_t),
        ("config_generation", c_uint64),
        ("message", c_char_p),
    ]


# typedef void (*llmr_event_fn)(void *user_data, const llmr_event *event);
llmr_event_fn = CFUNCTYPE(None, c_void_p, POINTER(llmr_event))


class llmr_event_listener(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("user_data", c_void_p),
        ("fn", llmr_event_fn),
        ("release", llmr_release_fn),
    ]


class llmr_stats(Structure):
    """Opaque."""


class llmr_deployment_stats(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("name", c_char_p),
        ("state", llmr_breaker_state),
        ("eligible", c_int32),
        ("in_flight", c_int64),
        ("picks", c_int64),
        ("successes", c_int64),
        ("rate_limited", c_int64),
        ("server_errors", c_int64),
        ("timeouts", c_int64),
        ("connection_errors", c_int64),
        ("auth_errors", c_int64),
        ("bad_requests", c_int64),
        ("context_window_exceeded", c_int64),
        ("content_policy", c_int64),
        ("cancels", c_int64),
        ("input_tokens", c_int64),
        ("output_tokens", c_int64),
        ("ewma_latency_ms", c_double),
        ("latency_count", c_int64),
        ("latency_sum_ms", c_double),
        ("latency_p50_ms", c_double),
        ("latency_p90_ms", c_double),
        ("latency_p99_ms", c_double),
        ("breaker_opened", c_int64),
        ("breaker_half_opened", c_int64),
        ("breaker_closed", c_int64),
        ("cooldown_remaining_ms", c_int64),
    ]


class llmr_model_stats(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("model", c_char_p),
        ("picks", c_int64),
        ("fallbacks", c_int64),
    ]


class llmr_shared_state_status(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("enabled", c_int32),
        ("connected", c_int32),
        ("last_sync_age_ms", c_int64),
        ("syncs", c_int64),
        ("sync_failures", c_int64),
        ("connections", c_int64),
        ("remote_opens", c_int64),
        ("remote_closes", c_int64),
        ("last_error", c_char_p),
        ("last_error_cap", c_size_t),
        ("topology", c_int32),
        ("failovers", c_int64),
        ("server", c_char_p),
        ("server_cap", c_size_t),
    ]


# Every struct of the header with a body, and its *_init function (None: the library fills it
# in and hands it to a callback).
STRUCTS = {
    "llmr_router_options": (llmr_router_options, "llmr_router_options_init"),
    "llmr_deployment": (llmr_deployment, "llmr_deployment_init"),
    "llmr_pick_options": (llmr_pick_options, "llmr_pick_options_init"),
    "llmr_pick": (llmr_pick, "llmr_pick_init"),
    "llmr_report": (llmr_report, "llmr_report_init"),
    "llmr_explain_candidate": (llmr_explain_candidate, "llmr_explain_candidate_init"),
    "llmr_explain_summary": (llmr_explain_summary, "llmr_explain_summary_init"),
    "llmr_engine_load": (llmr_engine_load, "llmr_engine_load_init"),
    "llmr_invoke_args": (llmr_invoke_args, None),
    "llmr_attempt_result": (llmr_attempt_result, None),
    "llmr_adapter": (llmr_adapter, "llmr_adapter_init"),
    "llmr_call_options": (llmr_call_options, "llmr_call_options_init"),
    "llmr_attempt_info": (llmr_attempt_info, "llmr_attempt_info_init"),
    "llmr_call_summary": (llmr_call_summary, "llmr_call_summary_init"),
    "llmr_health": (llmr_health, "llmr_health_init"),
    "llmr_event": (llmr_event, None),
    "llmr_event_listener": (llmr_event_listener, "llmr_event_listener_init"),
    "llmr_deployment_stats": (llmr_deployment_stats, "llmr_deployment_stats_init"),
    "llmr_model_stats": (llmr_model_stats, "llmr_model_stats_init"),
    "llmr_shared_state_status": (llmr_shared_state_status, "llmr_shared_state_status_init"),
}
VERSIONED_STRUCTS = {name: v for name, v in STRUCTS.items() if v[1] is not None}

# ---------------------------------------------------------------------------------------------
# Functions: (name, restype, argtypes), in the header's order.
# ---------------------------------------------------------------------------------------------

_router_p = POINTER(llmr_router)
_fallbacks_p = POINTER(llmr_fallbacks)
_health_list_p = POINTER(llmr_health_list)
_explanation_p = POINTER(llmr_explanation)
_str_array = POINTER(c_char_p)  # const char *const *
_cancel_p = POINTER(llmr_cancel)
_context_p = POINTER(llmr_call_context)
_call_report_p = POINTER(llmr_call_report)
_stats_p = POINTER(llmr_stats)

FUNCTIONS = [
    ("llmr_status_str", c_char_p, [llmr_status]),
    ("llmr_error_message", c_char_p, []),
    ("llmr_version", c_int32, []),
    ("llmr_version_string", c_char_p, []),
    ("llmr_feature_enabled", c_int32, [c_char_p]),
    ("llmr_router_options_init", llmr_status, [POINTER(llmr_router_options), c_size_t]),
    ("llmr_router_create", llmr_status, [POINTER(llmr_router_options), POINTER(_router_p)]),
    ("llmr_router_destroy", None, [_router_p]),
    ("llmr_deployment_init", llmr_status, [POINTER(llmr_deployment), c_size_t]),
    ("llmr_router_add_deployment", llmr_status, [_router_p, POINTER(llmr_deployment)]),
    ("llmr_router_update_deployment", llmr_status, [_router_p, POINTER(llmr_deployment)]),
    ("llmr_router_remove_deployment", llmr_status, [_router_p, c_char_p]),
    ("llmr_router_set_alias", llmr_status, [_router_p, c_char_p, c_char_p]),
    ("llmr_router_remove_alias", llmr_status, [_router_p, c_char_p]),
    ("llmr_router_set_fallbacks", llmr_status, [_router_p, c_char_p, _str_array, c_size_t]),
    ("llmr_router_set_model_strategy", llmr_status, [_router_p, c_char_p, llmr_strategy]),
    ("llmr_router_set_override", llmr_status, [_router_p, c_char_p, llmr_override]),
    ("llmr_pick_options_init", llmr_status, [POINTER(llmr_pick_options), c_size_t]),
    ("llmr_pick_init", llmr_status, [POINTER(llmr_pick), c_size_t]),
    ("llmr_router_pick", llmr_status,
     [_router_p, c_char_p, POINTER(llmr_pick_options), POINTER(llmr_pick)]),
    ("llmr_report_init", llmr_status, [POINTER(llmr_report), c_size_t]),
    ("llmr_router_report", llmr_status, [_router_p, llmr_ticket, POINTER(llmr_report)]),
    ("llmr_router_cancel", llmr_status, [_router_p, llmr_ticket]),
    ("llmr_engine_load_init", llmr_status, [POINTER(llmr_engine_load), c_size_t]),
    ("llmr_router_report_load", llmr_status,
     [_router_p, c_char_p, POINTER(llmr_engine_load)]),
    ("llmr_prefix_hashes", llmr_status,
     [c_void_p, c_size_t, c_uint32, POINTER(c_uint64), c_size_t, POINTER(c_size_t)]),
    ("llmr_router_fallbacks", llmr_status,
     [_router_p, c_char_p, _str_array, c_size_t, POINTER(_fallbacks_p)]),
    ("llmr_fallbacks_count", c_size_t, [_fallbacks_p]),
    ("llmr_fallbacks_get", llmr_status,
     [_fallbacks_p, c_size_t, POINTER(c_char_p), POINTER(c_char_p)]),
    ("llmr_fallbacks_free", None, [_fallbacks_p]),
    ("llmr_explain_candidate_init", llmr_status, [POINTER(llmr_explain_candidate), c_size_t]),
    ("llmr_explain_summary_init", llmr_status, [POINTER(llmr_explain_summary), c_size_t]),
    ("llmr_router_explain", llmr_status,
     [_router_p, c_char_p, POINTER(llmr_pick_options), POINTER(_explanation_p)]),
    ("llmr_explanation_summary", llmr_status, [_explanation_p, POINTER(llmr_explain_summary)]),
    ("llmr_explanation_candidate_count", c_size_t, [_explanation_p]),
    ("llmr_explanation_candidate", llmr_status,
     [_explanation_p, c_size_t, POINTER(llmr_explain_candidate)]),
    ("llmr_explanation_json", llmr_status, [_explanation_p, POINTER(c_char_p), POINTER(c_size_t)]),
    ("llmr_explanation_free", None, [_explanation_p]),
    ("llmr_router_set_fallbacks_for", llmr_status,
     [_router_p, c_char_p, llmr_fallback_kind, _str_array, c_size_t]),
    ("llmr_cancel_create", llmr_status, [POINTER(_cancel_p)]),
    ("llmr_cancel_trigger", llmr_status, [_cancel_p]),
    ("llmr_cancel_destroy", None, [_cancel_p]),
    ("llmr_adapter_init", llmr_status, [POINTER(llmr_adapter), c_size_t]),
    ("llmr_router_set_adapter", llmr_status, [_router_p, c_char_p, POINTER(llmr_adapter)]),
    ("llmr_call_set_response", llmr_status, [_context_p, c_void_p, c_size_t]),
    ("llmr_call_check", llmr_status, [_context_p]),
    ("llmr_call_progress", llmr_status, [_context_p]),
    ("llmr_call_commit", llmr_status, [_context_p]),
    ("llmr_call_options_init", llmr_status, [POINTER(llmr_call_options), c_size_t]),
    ("llmr_router_call", llmr_status,
     [_router_p, c_char_p, c_void_p, c_size_t, POINTER(llmr_call_options),
      POINTER(_call_report_p)]),
    ("llmr_attempt_info_init", llmr_status, [POINTER(llmr_attempt_info), c_size_t]),
    ("llmr_call_summary_init", llmr_status, [POINTER(llmr_call_summary), c_size_t]),
    ("llmr_call_report_summary", llmr_status, [_call_report_p, POINTER(llmr_call_summary)]),
    ("llmr_call_report_attempt_count", c_size_t, [_call_report_p]),
    ("llmr_call_report_attempt", llmr_status,
     [_call_report_p, c_size_t, POINTER(llmr_attempt_info)]),
    ("llmr_call_report_free", None, [_call_report_p]),
    ("llmr_health_init", llmr_status, [POINTER(llmr_health), c_size_t]),
    ("llmr_router_health", llmr_status, [_router_p, c_char_p, POINTER(llmr_health)]),
    ("llmr_router_health_list", llmr_status, [_router_p, POINTER(_health_list_p)]),
    ("llmr_health_list_count", c_size_t, [_health_list_p]),
    ("llmr_health_list_get", llmr_status, [_health_list_p, c_size_t, POINTER(llmr_health)]),
    ("llmr_health_list_free", None, [_health_list_p]),
    ("llmr_strategy_str", c_char_p, [llmr_strategy]),
    ("llmr_outcome_str", c_char_p, [llmr_outcome]),
    ("llmr_breaker_state_str", c_char_p, [llmr_breaker_state]),
    ("llmr_fallback_kind_str", c_char_p, [llmr_fallback_kind]),
    ("llmr_strategy_from_str", llmr_status, [c_char_p, POINTER(llmr_strategy)]),
    # Configuration (JSON) and hot reload. `json` is c_char_p: bytes are passed as they are,
    # embedded NULs included (the length goes beside them).
    ("llmr_router_create_from_config", llmr_status,
     [c_char_p, c_size_t, POINTER(llmr_router_options), POINTER(_router_p)]),
    ("llmr_router_create_from_config_file", llmr_status,
     [c_char_p, POINTER(llmr_router_options), POINTER(_router_p)]),
    ("llmr_router_apply_config", llmr_status, [_router_p, c_char_p, c_size_t]),
    ("llmr_router_apply_config_file", llmr_status, [_router_p, c_char_p]),
    ("llmr_config_validate", llmr_status, [c_char_p, c_size_t]),
    # Events
    ("llmr_event_listener_init", llmr_status, [POINTER(llmr_event_listener), c_size_t]),
    ("llmr_router_set_event_listener", llmr_status,
     [_router_p, POINTER(llmr_event_listener)]),
    ("llmr_event_kind_str", c_char_p, [llmr_event_kind]),
    # Statistics and Prometheus metrics
    ("llmr_router_stats", llmr_status, [_router_p, POINTER(_stats_p)]),
    ("llmr_stats_free", None, [_stats_p]),
    ("llmr_deployment_stats_init", llmr_status, [POINTER(llmr_deployment_stats), c_size_t]),
    ("llmr_stats_deployment_count", c_size_t, [_stats_p]),
    ("llmr_stats_deployment", llmr_status,
     [_stats_p, c_size_t, POINTER(llmr_deployment_stats)]),
    ("llmr_model_stats_init", llmr_status, [POINTER(llmr_model_stats), c_size_t]),
    ("llmr_stats_model_count", c_size_t, [_stats_p]),
    ("llmr_stats_model", llmr_status, [_stats_p, c_size_t, POINTER(llmr_model_stats)]),
    ("llmr_stats_config_counts", llmr_status, [_stats_p, POINTER(c_int64), POINTER(c_int64)]),
    ("llmr_stats_metrics_text", llmr_status, [_stats_p, POINTER(c_char_p), POINTER(c_size_t)]),
    # `char *buf` is c_char_p: a ctypes.create_string_buffer() is passed as its address.
    ("llmr_router_metrics_text", llmr_status,
     [_router_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    ("llmr_shared_state_status_init", llmr_status,
     [POINTER(llmr_shared_state_status), c_size_t]),
    ("llmr_router_shared_state_status", llmr_status,
     [_router_p, POINTER(llmr_shared_state_status)]),
]

# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


# The functions of the first 1.0 release: a library without one of them is refused at import.
# Functions appended since are declared when the loaded library exports them; using one it does
# not export raises MissingFunctionError (see require()).
BASELINE_FUNCTIONS = frozenset([
    "llmr_status_str", "llmr_error_message", "llmr_version", "llmr_version_string",
    "llmr_router_options_init", "llmr_router_create", "llmr_router_destroy",
    "llmr_deployment_init", "llmr_router_add_deployment", "llmr_router_update_deployment",
    "llmr_router_remove_deployment", "llmr_router_set_alias", "llmr_router_remove_alias",
    "llmr_router_set_fallbacks", "llmr_router_set_model_strategy", "llmr_router_set_override",
    "llmr_pick_options_init", "llmr_pick_init", "llmr_router_pick", "llmr_report_init",
    "llmr_router_report", "llmr_router_cancel", "llmr_router_fallbacks",
    "llmr_fallbacks_count", "llmr_fallbacks_get", "llmr_fallbacks_free", "llmr_health_init",
    "llmr_router_health", "llmr_router_health_list", "llmr_health_list_count",
    "llmr_health_list_get", "llmr_health_list_free", "llmr_strategy_str", "llmr_outcome_str",
    "llmr_breaker_state_str", "llmr_strategy_from_str",
])

#: Names of declared functions the loaded library does not export.
missing_functions = set()


def _declare(lib: ctypes.CDLL, target: str, functions) -> None:
    for name, restype, argtypes in functions:
        try:
            fn = getattr(lib, name)
        except AttributeError as e:
            if name not in BASELINE_FUNCTIONS:
                missing_functions.add(name)
                continue
            raise ImportError("llmroute: %s does not export %s; it is older than this binding "
                              "(which needs %d.%d.%d or newer)" % (
                                  target, name, MIN_VERSION_NUMBER // 1_000_000,
                                  MIN_VERSION_NUMBER // 1000 % 1000,
                                  MIN_VERSION_NUMBER % 1000)) from e
        fn.restype = restype
        fn.argtypes = argtypes


def library_location():
    """Where the library is loaded from, in this order:

    1. ``$LLMROUTE_LIBRARY``, a full path, used as given with no fallback: a test that means to
       exercise one build must not silently run against another copy;
    2. the copy inside this package (``llmroute/libllmroute.so.1``), which a wheel built by the
       project's CMake build carries, the way auditwheel-repaired wheels carry their libraries:
       ``pip install`` is then all a user needs, with no LD_LIBRARY_PATH;
    3. the SONAME, through the dynamic loader's ordinary search (an installed libllmroute).
    """
    path = os.environ.get(LIBRARY_ENV)
    if path:
        return path
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), SONAME)
    if os.path.isfile(bundled):
        return bundled
    return SONAME


def _load():
    path = os.environ.get(LIBRARY_ENV)
    target = library_location()
    try:
        # CDLL (not PyDLL): every call releases the GIL, so threads pick in parallel.
        lib = ctypes.CDLL(target)
    except OSError as e:
        hint = ("%s=%s" % (LIBRARY_ENV, path)) if path else (
            "install libllmroute, add its directory to LD_LIBRARY_PATH, or set %s to the "
            "library's full path" % LIBRARY_ENV)
        raise ImportError("llmroute: cannot load %s (%s); %s" % (target, e, hint)) from e

    # The version first (these two exist in every version), so that a library of another major
    # version is refused with that reason rather than for some missing function.
    _declare(lib, target, [f for f in FUNCTIONS if f[0] in ("llmr_version", "llmr_version_string")])
    number = lib.llmr_version()
    string = lib.llmr_version_string().decode("utf-8", "replace")
    if number // 1_000_000 != EXPECTED_MAJOR or number < MIN_VERSION_NUMBER:
        raise ImportError(
            "llmroute: %s is version %s (%d); this binding needs major version %d, at least %d"
            % (target, string, number, EXPECTED_MAJOR, MIN_VERSION_NUMBER))
    _declare(lib, target, FUNCTIONS)
    return lib, target, number, string


class MissingFunctionError(NotImplementedError):
    """The loaded libllmroute is older than the function this feature needs."""


def require(name: str):
    """The declared function ``name``, or MissingFunctionError when the library lacks it."""
    if name in missing_functions:
        raise MissingFunctionError("llmroute: %s (version %s) does not export %s; this feature "
                                   "needs a newer libllmroute" % (library_path, version_string,
                                                                  name))
    return getattr(lib, name)


lib, library_path, version_number, version_string = _load()

# ---------------------------------------------------------------------------------------------
# Versioned structs
# ---------------------------------------------------------------------------------------------

# Each *_init() takes the struct's size as we lay it out: the library writes its defaults no
# further than that and reads no further than struct_size, so this binding works with any 1.x
# library, older or newer (libgit2's and Vulkan's convention).


def new_struct(cls):
    """A ``cls`` initialised by its *_init() function with our sizeof."""
    obj = cls()
    init_name = _INIT_BY_CLASS[cls]
    status = require(init_name)(obj, ctypes.sizeof(cls))
    if status != 0:  # only fails for NULL or a size below the 1.0 layout
        raise RuntimeError("llmroute: %s failed with %d" % (init_name, status))
    return obj


_INIT_BY_CLASS = {cls: init for cls, init in VERSIONED_STRUCTS.values()}


def library_has_field(cls, field: str) -> bool:
    """Whether the loaded library knows ``field``. Every member of these classes is part of the
    1.0 ABI, which every 1.x library implements; members appended by a later minor version will
    be gated here on llmr_version()."""
    getattr(cls, field)  # AttributeError for a name that is no member at all
    return True


# Small helpers every module of the package shares.

# The class of threading.current_thread() on a thread Python did not start (a library thread
# running a callback).
FOREIGN_THREAD = getattr(threading, "_DummyThread", ())


def text(value):
    """A C string from the library as str (None stays None); invalid UTF-8 is replaced."""
    return None if value is None else value.decode("utf-8", "replace")


def within(struct, name: str) -> bool:
    """Whether member ``name`` lies inside the struct_size the library gave the struct (a
    library older than this binding fills a shorter one)."""
    d = getattr(type(struct), name)
    return d.offset + d.size <= struct.struct_size
