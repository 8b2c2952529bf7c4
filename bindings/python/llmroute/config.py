"""JSON configurations (docs/configuration.md): validation, and the conversions the Router's
from_config(), from_config_file(), apply_config() and apply_config_file() share.

A configuration is given as JSON text (a ``str``, or UTF-8 ``bytes``) or as the decoded object
(a ``dict``, serialised with ``json.dumps``). Whatever the library rejects raises ConfigError,
whose ``message`` starts with the JSON path of the offending value and whose ``path`` is that
path alone.
"""

from __future__ import annotations

import json
import os
from typing import Any, Mapping, Union

from . import _native
from .enums import Status
from .errors import InvalidArgumentError, error_for

__all__ = ["validate_config"]

ConfigLike = Union[str, bytes, bytearray, memoryview, Mapping[str, Any]]
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


def config_bytes(config: ConfigLike) -> bytes:
    """The JSON text of ``config`` as UTF-8 bytes."""
    if isinstance(config, str):
        try:
            return config.encode("utf-8")
        except UnicodeEncodeError as e:
            raise InvalidArgumentError(Status.INVALID_ARGUMENT, "the configuration cannot be "
                                       "encoded as UTF-8 (%s)" % e.reason) from None
    if isinstance(config, (bytes, bytearray, memoryview)):
        return bytes(config)
    if isinstance(config, Mapping):
        # allow_nan=False: NaN and Infinity are not JSON (write "infinity", the string the
        # format accepts where a setting may be infinite; docs/configuration.md).
        return json.dumps(config, allow_nan=False, ensure_ascii=False).encode("utf-8")
    raise TypeError("a configuration is JSON text (str or bytes) or a dict, not %s"
                    % type(config).__name__)


def config_path(path: PathLike) -> bytes:
    """A file name as the C API takes it (os.fsencode)."""
    data = os.fsencode(path)
    if b"\0" in data:
        raise InvalidArgumentError(Status.INVALID_ARGUMENT, "path %r contains a NUL character"
                                   % (path,))
    return data


def validate_config(config: ConfigLike) -> None:
    """Checks a configuration without creating or changing anything (llmr_config_validate(), a
    lint for CI). Returns None, or raises ConfigError naming the JSON path. Router settings are
    checked on their own, not against any router's."""
    data = config_bytes(config)
    status = _native.require("llmr_config_validate")(data, len(data))
    if status:
        raise error_for(status, _native.lib.llmr_error_message().decode("utf-8", "replace"))
