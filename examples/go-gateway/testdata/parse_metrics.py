"""Parses Prometheus text from stdin with prometheus_client's parser (TestPrometheusClientParsesMetrics).

Prints {family: {"type": ..., "samples": [[name, labels, value], ...]}} as JSON; a text the
parser rejects makes it raise.
"""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    out[family.name] = {"type": family.type,
                        "samples": [[s.name, s.labels, s.value] for s in family.samples]}
print(json.dumps(out))
