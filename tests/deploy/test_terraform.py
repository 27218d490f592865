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


CMCD_HEADERS = {"CMCD-Request", "CMCD-Object", "CMCD-Status", "CMCD-Session"}


def _texts(values) -> list[str]:
    return [_text(value) for value in values]


def _signed_behaviours(distribution) -> list[dict]:
    """The cache behaviours of signed media (the players' requests)."""
    return list(distribution["default_cache_behavior"]) + [
        behaviour
        for behaviour in distribution["ordered_cache_behavior"]
        if "trusted_key_groups" in behaviour
    ]


def test_cdn_answers_cmcd_preflights_from_its_cache_with_its_own_cors_headers():
    """The player sends CMCD in headers on CloudFront URLs: the edge allows them
    in CORS, caches preflights, and S3 answers the ones it forwards with 200."""
    (policy,) = _resources(MODULE, "aws_cloudfront_response_headers_policy").values()
    (cors,) = policy["cors_config"]
    (allowed,) = cors["access_control_allow_headers"]
    assert set(_texts(allowed["items"])) >= CMCD_HEADERS
    assert cors["origin_override"] is True
    assert cors["access_control_max_age_sec"] >= 7200
    (methods,) = cors["access_control_allow_methods"]
    assert "OPTIONS" in _texts(methods["items"])

    (distribution,) = _resources(MODULE, "aws_cloudfront_distribution").values()
    behaviours = _signed_behaviours(distribution)
    assert len(behaviours) == 3
    for behaviour in behaviours:
        assert "OPTIONS" in _texts(behaviour["allowed_methods"])
        assert "OPTIONS" in _texts(behaviour["cached_methods"])
        assert "origin_request_policy.cors_preflight" in str(
            behaviour["origin_request_policy_id"]
        )
    # The preflight headers reach S3 without entering the cache key.
    forwarded = _resources(MODULE, "aws_cloudfront_origin_request_policy")
    (headers_config,) = forwarded["cors_preflight"]["headers_config"]
    (headers,) = headers_config["headers"]
    assert set(_texts(headers["items"])) == {
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
    }
    for cache_policy in _resources(MODULE, "aws_cloudfront_cache_policy").values():
        (parameters,) = cache_policy["parameters_in_cache_key_and_forwarded_to_origin"]
        (key_headers,) = parameters["headers_config"]
        assert _text(key_headers["header_behavior"]) == "none"
    # A refused preflight is not cached for everyone.
    errors = {e["error_code"]: e for e in distribution["custom_error_response"]}
    assert errors[403]["error_caching_min_ttl"] == 0
    assert errors[400]["error_caching_min_ttl"] == 0

    # S3 answers the forwarded preflight for the site's origin and the headers.
    (rule,) = _resources(MODULE, "aws_s3_bucket_cors_configuration")["media"][
        "cors_rule"
    ]
    assert {h.lower() for h in CMCD_HEADERS} <= set(_texts(rule["allowed_headers"]))
    assert set(_texts(rule["allowed_methods"])) == {"GET", "HEAD"}
    assert _texts(rule["allowed_origins"]) == ["https://${var.domain_name}"]


def test_cdn_realtime_logs_carry_the_cmcd_session_and_content_ids_when_on():
    variables = _blocks(MODULE, "variable")
    assert variables["cloudfront_realtime_logs"]["default"] is False
    (config,) = _resources(MODULE, "aws_cloudfront_realtime_log_config").values()
    assert "local.cdn_realtime_logs" in str(config["count"])
    assert "cloudfront_realtime_log_sampling_rate" in str(config["sampling_rate"])
    (endpoint,) = config["endpoint"]
    assert _text(endpoint["stream_type"]) == "Kinesis"
    (kinesis,) = endpoint["kinesis_stream_config"]
    assert "aws_kinesis_stream.cdn_realtime_logs" in str(kinesis["stream_arn"])
    assert "aws_iam_role.cdn_realtime_logs" in str(kinesis["role_arn"])

    (logs_locals,) = [
        block
        for block in _load(MODULE / "cdn_logs.tf")["locals"]
        if "cdn_realtime_log_fields" in block
    ]
    fields = _texts(logs_locals["cdn_realtime_log_fields"])
    assert "local.cdn_realtime_log_fields" in str(config["fields"])
    assert len(fields) == len(set(fields))
    # CloudFront's names for the CMCD keys: sid, cid and the rest of version 1.
    assert {
        "cmcd-session-id",
        "cmcd-content-id",
        "cmcd-object-type",
        "cmcd-encoded-bitrate",
        "cmcd-buffer-length",
        "cmcd-buffer-starvation",
        "cmcd-startup",
        "cmcd-measured-throughput",
    } <= set(fields)
    assert len([f for f in fields if f.startswith("cmcd-")]) == 18
    assert {"timestamp", "cs-uri-stem", "sc-status", "x-edge-result-type"} <= set(
        fields
    )
    assert "c-ip" not in fields

    (distribution,) = _resources(MODULE, "aws_cloudfront_distribution").values()
    for behaviour in _signed_behaviours(distribution):
        assert "local.media_realtime_log_config_arn" in str(
            behaviour["realtime_log_config_arn"]
        )
    (stream,) = _resources(MODULE, "aws_kinesis_stream").values()
    assert _text(stream["encryption_type"]) == "KMS"
    assert "cmcd_log_stream_arn" in _blocks(MODULE, "output")
