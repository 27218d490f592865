"""Publish the Celery queues' depth to CloudWatch, for ECS autoscaling.

Runs beside beat (one publisher per stack) in the app's image, as
``python -c <this file>``. Per queue: ``Waiting`` (the Redis list's length)
and ``Jobs`` (waiting plus taken but unacknowledged, i.e. running), so workers
scale out on a backlog and in only when nothing is left to finish.
"""

import json
import os
import time

import boto3
import redis
from botocore.exceptions import BotoCoreError, ClientError

QUEUES = os.environ.get("QUEUE_METRICS_QUEUES", "transcode,default").split(",")
NAMESPACE = os.environ.get("QUEUE_METRICS_NAMESPACE", "VOD/Celery")
STACK = os.environ["QUEUE_METRICS_STACK"]
INTERVAL = int(os.environ.get("QUEUE_METRICS_INTERVAL_SECONDS", "30"))


def running_per_queue(broker: redis.Redis) -> dict[str, int]:
    """Messages taken by a worker and not yet acknowledged, by queue.

    kombu's Redis transport keeps them in the ``unacked`` hash as
    ``[message, exchange, routing_key]``; the routing key is the queue's name.
    """
    counts = dict.fromkeys(QUEUES, 0)
    for raw in broker.hvals("unacked"):
        try:
            routing_key = json.loads(raw)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key in counts:
            counts[routing_key] += 1
    return counts


def publish_once(broker: redis.Redis, cloudwatch) -> None:
    running = running_per_queue(broker)
    data = []
    for queue in QUEUES:
        waiting = broker.llen(queue)
        dimensions = [
            {"Name": "Stack", "Value": STACK},
            {"Name": "Queue", "Value": queue},
        ]
        data.append(
            {"MetricName": "Waiting", "Dimensions": dimensions, "Value": waiting}
        )
        data.append(
            {
                "MetricName": "Jobs",
                "Dimensions": dimensions,
                "Value": waiting + running[queue],
            }
        )
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)


def main() -> None:
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    cloudwatch = boto3.client("cloudwatch")
    while True:
        try:
            publish_once(broker, cloudwatch)
        except (redis.RedisError, BotoCoreError, ClientError) as exc:
            # A missed sample only delays scaling; the next one may succeed.
            print(f"queue metrics not published: {exc}", flush=True)
        time.sleep(INTERVAL)


if __name__ == "__main__":
    main()
