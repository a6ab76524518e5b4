"""The Helm chart, rendered and linted by Helm's own code (helm-python-sdk: no helm binary),
with its default values, with production-like values, and with values its schema refuses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import helm_python as helm
import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "helm" / "tenantly"
PRODUCTION = {
    "baseDomain": "crm.example.org",
    "image": {"repository": "registry.example.org/tenantly", "tag": "1.4.2"},
    "existingSecret": "tenantly-prod",
    "ingress": {
        "className": "nginx",
        "tls": {"enabled": True, "certManager": {"enabled": True, "issuer": "letsencrypt-dns"}},
    },
    "web": {"workers": 4, "autoscaling": {"minReplicas": 3, "maxReplicas": 20}},
    "worker": {"concurrency": 4},
    "migrations": {"processes": 8, "retries": 2, "canary": ["acme", "globex"]},
    "persistence": {"existingClaim": "tenantly-files"},
    "customDomains": {"enabled": False},
    "extraAllowedHosts": ["crm.acme-corp.com"],
}


def render(values: dict) -> dict[str, list[dict]]:
    """{kind: [manifest, ...]} of a release named "crm" in namespace "tenantly"."""
    with helm.Chart.load(str(CHART)) as chart:
        files = chart.render(values, name="crm", namespace="tenantly")
    manifests: dict[str, list[dict]] = {}
    for name, text in files.items():
        if not name.endswith(".yaml"):
            continue
        for document in yaml.safe_load_all(text):
            if document:
                manifests.setdefault(document["kind"], []).append(document)
    return manifests


def notes(values: dict) -> str:
    with helm.Chart.load(str(CHART)) as chart:
        return chart.render(values, name="crm", namespace="tenantly")[
            "tenantly/templates/NOTES.txt"
        ]


def named(manifests: dict, kind: str, name: str) -> dict:
    return next(item for item in manifests[kind] if item["metadata"]["name"] == name)


def pod_specs(manifests: dict) -> Iterator[tuple[str, dict]]:
    for kind in ("Deployment", "Job"):
        for item in manifests.get(kind, []):
            yield item["metadata"]["name"], item["spec"]["template"]["spec"]


def env_of(container: dict) -> dict[str, dict]:
    return {item["name"]: item for item in container.get("env", [])}


def test_the_chart_lints_clean():
    result = helm.lint(str(CHART))
    assert result["errors"] == []
    assert [item for item in result["messages"] if item["severity"] > 1] == []


def test_default_values_wire_every_component():
    manifests = render({})
    web = named(manifests, "Deployment", "crm-tenantly-web")
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["args"] == ["python", "-m", "config.serve"]
    assert env_of(container)["DATABASE_POOL_SIZE"]["value"] == "8"
    # X-Forwarded-For is believed from the cluster's private networks only (the ingress)
    assert env_of(container)["FORWARDED_ALLOW_IPS"]["value"] == (
        "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
    )
    assert "replicas" not in web["spec"]  # the HPA decides
    hpas = {item["metadata"]["name"]: item for item in manifests["HorizontalPodAutoscaler"]}
    assert set(hpas) == {"crm-tenantly-web", "crm-tenantly-worker"}
    assert hpas["crm-tenantly-web"]["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert {item["metadata"]["name"] for item in manifests["PodDisruptionBudget"]} == set(hpas)

    beat = named(manifests, "Deployment", "crm-tenantly-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    worker = named(manifests, "Deployment", "crm-tenantly-worker")
    assert worker["spec"]["template"]["spec"]["containers"][0]["args"][:3] == [
        "celery",
        "--app=config",
        "worker",
    ]

    # the migration job is a pre-install/pre-upgrade hook with its secret and settings before it
    job = named(manifests, "Job", "crm-tenantly-migrate")
    hooks = {
        (item["kind"], item["metadata"]["name"]): item["metadata"].get("annotations", {})
        for kind in ("Job", "Secret", "ConfigMap")
        for item in manifests[kind]
    }
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    for kind in ("Secret", "ConfigMap"):
        hook = hooks[(kind, "crm-tenantly-migrate")]
        assert hook["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert int(hook["helm.sh/hook-weight"]) < int(
            job["metadata"]["annotations"]["helm.sh/hook-weight"]
        )
    migrate = job["spec"]["template"]["spec"]["containers"][0]
    assert migrate["args"][:3] == ["python", "manage.py", "platform_migrate"]
    assert (
        env_of(migrate)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"]
        == "crm-tenantly-migrate"
    )
    assert migrate["envFrom"][0]["configMapRef"]["name"] == "crm-tenantly-migrate"

    # every app container reads its keys from the release's secret
    for name, spec in pod_specs(manifests):
        if name.endswith("-migrate"):
            continue
        for key in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
            reference = env_of(spec["containers"][0])[key]["valueFrom"]["secretKeyRef"]
            assert (reference["name"], reference["optional"]) == ("crm-tenantly", False), name
    secret = named(manifests, "Secret", "crm-tenantly")
    assert set(secret["data"]) >= {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STRIPE_SECRET_KEY"}
    config = named(manifests, "ConfigMap", "crm-tenantly")["data"]
    assert config["TENANTLY_EMBEDDED_DEFAULTS"] == "false"
    # companies' own domains: Domain rows are the allow-list, checked by the app
    assert config["ALLOWED_HOSTS"] == "*"
    assert config["BASE_URL_SCHEME"] == "https"

    # the apex and the wildcard host, with TLS for both, then any host (companies' domains)
    ingress = manifests["Ingress"][0]["spec"]
    assert [rule.get("host") for rule in ingress["rules"]] == [
        "example.com",
        "*.example.com",
        None,
    ]
    assert ingress["tls"][0]["hosts"] == ["example.com", "*.example.com"]
    assert {item["metadata"]["name"] for item in manifests["NetworkPolicy"]} == {
        "crm-tenantly-web",
        "crm-tenantly-background",
    }
    assert "WARNING: secrets.databaseUrl and secrets.redisUrl" in notes({})


def test_every_pod_runs_as_non_root_on_a_read_only_root_filesystem():
    for name, spec in pod_specs(render({})):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
            assert "/tmp" in mounts, name  # noqa: S108 - the one writable place


def test_production_values_use_the_operators_secret_and_cert_manager():
    manifests = render(PRODUCTION)
    assert [item["metadata"]["name"] for item in manifests.get("Secret", [])] == []
    assert "PersistentVolumeClaim" not in manifests
    for name, spec in pod_specs(manifests):
        container = spec["containers"][0]
        assert container["image"] == "registry.example.org/tenantly:1.4.2", name
        reference = env_of(container)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert reference["name"] == "tenantly-prod", name
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        if not name.endswith("-migrate"):
            assert volumes["files"]["persistentVolumeClaim"]["claimName"] == "tenantly-files"
    job = named(manifests, "Job", "crm-tenantly-migrate")
    assert job["spec"]["template"]["spec"]["containers"][0]["args"][3:] == [
        "--processes=8",
        "--retries=2",
        "--canary=acme,globex",
    ]
    ingress = manifests["Ingress"][0]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-dns"
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [
        "crm.example.org",
        "*.crm.example.org",
    ]
    config = named(manifests, "ConfigMap", "crm-tenantly")["data"]
    assert config["ALLOWED_HOSTS"] == "crm.example.org,.crm.example.org,crm.acme-corp.com"
    assert config["CSRF_TRUSTED_ORIGINS"] == "https://crm.example.org,https://*.crm.example.org"
    hpa = named(manifests, "HorizontalPodAutoscaler", "crm-tenantly-web")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 20)
    assert "WARNING" not in notes(PRODUCTION)
    assert "python manage.py tenant_create" in notes(PRODUCTION)


def test_autoscaling_off_sets_the_replicas():
    manifests = render({"web": {"replicaCount": 3, "autoscaling": {"enabled": False}}})
    assert named(manifests, "Deployment", "crm-tenantly-web")["spec"]["replicas"] == 3
    assert [item["metadata"]["name"] for item in manifests["HorizontalPodAutoscaler"]] == [
        "crm-tenantly-worker"
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"baseDomain": "https://crm.example.org"}, "/baseDomain"),
        ({"web": {"workers": "four"}}, "/web/workers"),
        ({"replicas": 3}, "additional properties 'replicas' not allowed"),
        ({"secrets": {"databaseUrl": "mysql://x"}}, "/secrets/databaseUrl"),
        ({"secrets": {"secretKey": "short"}}, "/secrets/secretKey"),
        ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
        ({"migrations": {"canary": ["Bad-Schema"]}}, "/migrations/canary/0"),
        ({"persistence": {"size": "lots"}}, "/persistence/size"),
        ({"web": {"trustedProxies": []}}, "/web/trustedProxies"),
    ],
)
def test_the_schema_refuses_bad_values(values, message):
    with pytest.raises(helm.HelmValuesError) as error:
        render(values)
    assert message in str(error.value)


def test_cert_manager_without_an_issuer_is_refused_with_a_message():
    values = {"ingress": {"tls": {"certManager": {"enabled": True}}}}
    with pytest.raises(helm.HelmError, match="ingress.tls.certManager.issuer is required"):
        render(values)
