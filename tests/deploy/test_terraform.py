"""The Terraform for AWS parses, documents every variable, and outputs what the
application's environment needs."""

import functools

import hcl2
import pytest

from .commands import ROOT
from .conftest import terraform_files

MODULE = ROOT / "deploy/terraform/modules/vod"
EXAMPLE = ROOT / "deploy/terraform/examples/aws"


@functools.cache
def _load(path) -> dict:
    """A parsed file; parsing is slow, and the tests only read the result."""
    with path.open() as handle:
        return hcl2.load(handle)


def _blocks(directory, kind: str) -> dict[str, dict]:
    """Top-level blocks of one kind (variable, output...) by their name."""
    found = {}
    for path in sorted(directory.glob("*.tf")):
        for block in _load(path).get(kind, []):
            for name, body in block.items():
                found[name.strip('"')] = body
    return found


def _resources(directory, kind: str) -> dict[str, dict]:
    found = {}
    for path in sorted(directory.glob("*.tf")):
        for block in _load(path).get("resource", []):
            for resource_type, named in block.items():
                if resource_type.strip('"') == kind:
                    for name, body in named.items():
                        found[name.strip('"')] = body
    return found


def _text(value) -> str:
    return str(value).strip('"')


@pytest.mark.parametrize(
    "path", terraform_files(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_terraform_file_parses(path):
    assert _load(path)


@pytest.mark.parametrize("directory", [MODULE, EXAMPLE], ids=["module", "example"])
def test_every_variable_and_output_is_described(directory):
    for kind in ("variable", "output"):
        blocks = _blocks(directory, kind)
        assert blocks, f"no {kind}s in {directory}"
        for name, body in blocks.items():
            assert len(_text(body.get("description", ""))) > 10, f"{kind} {name}"


def test_module_outputs_name_what_the_app_environment_needs():
    outputs = _blocks(MODULE, "output")
    assert {
        "media_bucket_name",  # AWS_STORAGE_BUCKET_NAME
        "sources_bucket_name",  # AWS_SOURCES_BUCKET_NAME
        "cdn_domain_name",
        "playback_media_url",  # PLAYBACK_MEDIA_URL
        "cloudfront_key_pair_id",  # CLOUDFRONT_KEY_PAIR_ID
        "database_endpoint",  # DATABASE_URL
        "database_replica_endpoints",  # DATABASE_REPLICA_URLS
        "redis_endpoint",  # REDIS_URL, CELERY_BROKER_URL
        "app_secret_arn",
    } <= set(outputs)


def test_example_passes_every_variable_the_module_requires():
    required = {
        name
        for name, body in _blocks(MODULE, "variable").items()
        if "default" not in body
    }
    (module,) = _load(EXAMPLE / "main.tf")["module"]
    arguments = set(module['"vod"'])
    assert required <= arguments, required - arguments
    assert _text(module['"vod"']["source"]) == "../../modules/vod"


def test_app_secret_carries_what_the_app_reads_from_secrets():
    (locals_block,) = [
        block
        for block in _load(MODULE / "main.tf")["locals"]
        if "app_secret_keys" in block
    ]
    keys = {_text(key) for key in locals_block["app_secret_keys"]}
    assert {
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "DATABASE_REPLICA_URLS",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "CLOUDFRONT_PRIVATE_KEY",
    } == keys
    (version,) = _resources(MODULE, "aws_secretsmanager_secret_version").values()
    for key in keys:
        assert key in version["secret_string"]


def test_buckets_are_private_encrypted_and_versioned_with_old_versions_expiring():
    for kind in (
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_lifecycle_configuration",
    ):
        assert {"sources", "media"} <= set(_resources(MODULE, kind)), kind
    for block in _resources(MODULE, "aws_s3_bucket_public_access_block").values():
        assert all(
            block[flag] is True
            for flag in (
                "block_public_acls",
                "block_public_policy",
                "ignore_public_acls",
                "restrict_public_buckets",
            )
        )
    for name in ("sources", "media"):
        lifecycle = _resources(MODULE, "aws_s3_bucket_lifecycle_configuration")[name]
        assert any(
            "noncurrent_version_expiration" in rule for rule in lifecycle["rule"]
        )


def test_cdn_requires_signed_urls_for_streams_and_caches_manifests_briefly():
    (distribution,) = _resources(MODULE, "aws_cloudfront_distribution").values()
    (default,) = distribution["default_cache_behavior"]
    assert "aws_cloudfront_key_group.signing.id" in str(default["trusted_key_groups"])
    ordered = {
        _text(b["path_pattern"]): b for b in distribution["ordered_cache_behavior"]
    }
    for pattern in ("*.m3u8", "*.mpd"):
        assert "aws_cloudfront_key_group" in str(ordered[pattern]["trusted_key_groups"])
        assert "cache_policy.manifests" in str(ordered[pattern]["cache_policy_id"])
    assert "cache_policy.segments" in str(default["cache_policy_id"])
    (origin,) = distribution["origin"]
    assert "origin_access_control" in str(origin["origin_access_control_id"])
    policies = _resources(MODULE, "aws_cloudfront_cache_policy")
    assert policies["manifests"]["max_ttl"] <= 10
    assert policies["segments"]["default_ttl"] >= 86400


def test_database_is_multi_az_with_read_replicas_of_the_primary():
    instances = _resources(MODULE, "aws_db_instance")
    assert instances["primary"]["multi_az"] is True
    assert instances["primary"]["storage_encrypted"] is True
    assert "aws_db_instance.primary" in str(instances["replica"]["replicate_source_db"])


def test_load_balancer_checks_readyz_and_drains_within_the_web_stop_timeout():
    (group,) = _resources(MODULE, "aws_lb_target_group").values()
    (health,) = group["health_check"]
    assert _text(health["path"]) == "/readyz"
    assert group["deregistration_delay"] <= 60


def test_every_worker_queue_scales_on_its_depth():
    alarms = _resources(MODULE, "aws_cloudwatch_metric_alarm")
    for name in ("worker_backlog", "worker_idle"):
        assert "local.worker_scaling" in str(alarms[name]["for_each"])
        assert "Queue" in str(alarms[name]["dimensions"])
    (ecs_locals,) = [
        block
        for block in _load(MODULE / "ecs.tf")["locals"]
        if "worker_scaling" in block
    ]
    assert set(ecs_locals["worker_scaling"]) == {"transcode", "default"}
    assert ecs_locals["worker_scaling"]["transcode"]["min"] == 0
