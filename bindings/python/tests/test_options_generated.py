"""The generated option tables (_options_generated, from src/options/*.def) against the library:
the ctypes structs are laid out as the library's (the defaults read back through them match),
and every keyword option of Router() is a member the table lists."""

from llmroute import Router, _native, _options_generated


def test_defaults_match_llmr_router_options_init():
    opts = _native.new_struct(_native.llmr_router_options)
    for name, default in _options_generated.ROUTER_OPTION_DEFAULTS.items():
        value = getattr(opts, name)
        if default is None:
            assert value is None, name
        else:
            assert value == default, name


def test_structs_have_every_member_of_the_table():
    names = [f[0] for f in _native.llmr_router_options._fields_]
    assert names == [f[0] for f in _options_generated.ROUTER_OPTIONS_FIELDS]
    assert len(set(names)) == len(names)
    assert [f[0] for f in _native.llmr_deployment._fields_] == \
        [f[0] for f in _options_generated.DEPLOYMENT_FIELDS]


def test_every_numeric_option_is_a_router_keyword():
    for name, default in _options_generated.ROUTER_OPTION_DEFAULTS.items():
        if name in ("strategy", "all_open_policy") or default is None:
            continue
        # The default is accepted by Router() for every option the table lists.
        Router(**{name: default}).close()
