from __future__ import annotations

from pathlib import Path

import pytest

from readycheck.config import Policy
from readycheck.engine import run_check
from readycheck.index import build_index
from readycheck.parsers.loadtest import parse_duration, parse_locust, read_plans
from readycheck.registry import load_registry

REGISTRY = load_registry(plugins=False)


def _plans(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return read_plans(build_index(tmp_path, use_git=False))


def _check(root: Path, **params: object):
    spec = REGISTRY.get("RC1101")
    assert spec is not None
    policy = Policy(root=root)
    if params:
        from dataclasses import replace

        spec = replace(spec, params={**spec.params, **params})
    return run_check(spec, REGISTRY.detector(spec.detector), build_index(root, use_git=False), policy)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("90s", 90.0), ("10m", 600.0), ("1h30m", 5400.0), ("500ms", 0.5), (120, 120.0), ("soon", None), (True, None)],
)
def test_parse_duration(value: object, seconds: float | None) -> None:
    assert parse_duration(value) == seconds


def test_locust_shape_stages_give_peak_and_hold() -> None:
    text = (
        "from locust import HttpUser, LoadTestShape, task\n"
        "PEAK = 100\n"
        "class U(HttpUser):\n    @task\n    def t(self):\n        pass\n"
        "class S(LoadTestShape):\n"
        "    stages = [{'duration': 60, 'users': 10}, {'duration': 120, 'users': PEAK * 10}, {'duration': 1320, 'users': PEAK * 10}]\n"
    )
    plan = parse_locust(text, "locustfile.py")
    assert plan is not None
    assert plan.peak == 1000 and plan.unit == "users"
    assert plan.sustained_s == 1260


def test_locust_syntax_error_is_an_error_plan() -> None:
    plan = parse_locust("from locust import HttpUser\nclass U(HttpUser:\n", "bad.py")
    assert plan is not None and plan.error


def test_k6_constant_arrival_rate(tmp_path: Path) -> None:
    (plan,) = _plans(tmp_path, {"load.js": (
        "import http from 'k6/http';\n"
        "export const options = {\n"
        "  scenarios: { steady: { executor: 'constant-arrival-rate', rate: 600, timeUnit: '1m', duration: '20m', preAllocatedVUs: 50 } },\n"
        "};\n"
        "export default function () { http.get('http://x'); }\n"
    )})
    assert plan.tool == "k6" and plan.unit == "rps" and plan.peak == 10
    assert plan.sustained_s == 1200


def test_gatling_java_and_scala(tmp_path: Path) -> None:
    plans = _plans(tmp_path, {
        "src/test/scala/ChatSimulation.scala": (
            "import io.gatling.core.Predef._\nclass ChatSimulation extends Simulation {\n"
            "  setUp(scn.inject(rampUsersPerSec(1).to(50).during(5.minutes), constantUsersPerSec(50).during(30.minutes)))\n"
            "    .assertions(global.failedRequests.percent.lt(1))\n}\n"
        ),
        "src/test/java/AskSimulation.java": (
            "import io.gatling.javaapi.core.*;\npublic class AskSimulation extends Simulation {\n"
            "  { setUp(scn.injectOpen(constantUsersPerSec(20).during(Duration.ofMinutes(15)))); }\n}\n"
        ),
    })
    by = {p.path: p for p in plans}
    scala = by["src/test/scala/ChatSimulation.scala"]
    assert scala.peak == 50 and scala.unit == "rps" and scala.sustained_s == 1800 and scala.criteria
    java = by["src/test/java/AskSimulation.java"]
    assert java.peak == 20 and java.sustained_s == 900 and not java.criteria


def test_jmeter_thread_group_with_property_default(tmp_path: Path) -> None:
    (plan,) = _plans(tmp_path, {"soak.jmx": (
        '<?xml version="1.0"?>\n<jmeterTestPlan><hashTree>\n'
        '<ThreadGroup testname="Users" enabled="true">\n'
        '  <stringProp name="ThreadGroup.num_threads">${__P(threads,300)}</stringProp>\n'
        '  <boolProp name="ThreadGroup.scheduler">true</boolProp>\n'
        '  <stringProp name="ThreadGroup.duration">1800</stringProp>\n'
        '</ThreadGroup>\n<hashTree><ResponseAssertion testname="200"/></hashTree>\n'
        '</hashTree></jmeterTestPlan>\n'
    )})
    assert plan.peak == 300 and plan.sustained_s == 1800 and plan.criteria and plan.line == 3


def test_jmeter_entities_refused(tmp_path: Path) -> None:
    (plan,) = _plans(tmp_path, {"x.jmx": '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>'})
    assert plan.error and "entities" in plan.error


def test_broken_artillery_next_to_good_one(tmp_path: Path) -> None:
    plans = _plans(tmp_path, {
        "a.yml": "config:\n  phases:\n    - duration: 600\n      arrivalRate: 10\n",
        "b.yml": "config:\n  phases:\n    - duration: [\n",
    })
    assert [p.error is None for p in plans] == [True, False]
    assert plans[0].peak == 10 and plans[0].sustained_s == 600


def test_expected_load_param_overrides_docs(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("Expected load: 5 concurrent users.\n\nRun `k6 run load.js`.\n")
    (tmp_path / "load.js").write_text(
        "import http from 'k6/http';\nexport const options = { vus: 100, duration: '15m', thresholds: { http_req_failed: ['rate<0.01'] } };\n"
        "export default function () { http.get('http://x'); }\n"
    )
    assert _check(tmp_path).status.value == "pass"
    result = _check(tmp_path, expected_users=50)
    assert result.status.value == "warn" and "below 10x" in result.message


def test_no_load_test_fails(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hi')\n")
    assert _check(tmp_path).status.value == "fail"


def test_k6_env_fallbacks_are_read(tmp_path: Path) -> None:
    (plan,) = _plans(tmp_path, {"script.js": (
        "import http from 'k6/http';\n"
        "export const options = { scenarios: { s: { executor: 'constant-vus',\n"
        "  vus: parseInt(__ENV.VUS || '25'), duration: __ENV.DURATION || '2h' } } };\n"
        "export default function () { http.get('http://x'); }\n"
    )})
    assert plan.peak == 25 and plan.sustained_s == 7200


def test_long_soak_at_small_load_is_not_a_sustained_peak(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("Expected load: 20 concurrent users.\n\nRun `k6 run spike.js` and `k6 run soak.js`.\n")
    head = "import http from 'k6/http';\nexport const options = "
    tail = ";\nexport default function () { http.get('http://x'); }\n"
    (tmp_path / "spike.js").write_text(head + "{ vus: 300, duration: '1m', thresholds: { checks: ['rate>0.99'] } }" + tail)
    (tmp_path / "soak.js").write_text(head + "{ vus: 20, duration: '4h' }" + tail)
    result = _check(tmp_path)
    assert result.status.value == "warn"
    assert "no sustained phase of 10+ minutes at peak (longest hold 1 min)" in result.message
