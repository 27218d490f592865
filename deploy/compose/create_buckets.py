"""Create the compose stack's buckets in its S3-compatible store (idempotent)."""

import os
import sys
import time

import boto3
from botocore.exceptions import ClientError, EndpointConnectionError


def main(buckets: list[str]) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["AWS_S3_ENDPOINT_URL"],
        region_name=os.environ.get("AWS_S3_REGION_NAME", "us-east-1"),
    )
    for attempt in range(30):
        try:
            s3.list_buckets()
            break
        except EndpointConnectionError:
            # The store's health check can pass a moment before it takes requests.
            time.sleep(min(2**attempt, 5))
    for bucket in buckets:
        try:
            s3.create_bucket(Bucket=bucket)
            print(f"created bucket {bucket}")
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in {
                "BucketAlreadyOwnedByYou",
                "BucketAlreadyExists",
            }:
                raise
            print(f"bucket {bucket} exists")


if __name__ == "__main__":
    main(sys.argv[1:])
