"""The cluster test's transcode outage: two transcode workers share the title's
chunks, and the one encoding a chunk for the other is killed with SIGKILL.

A thread watches the primary database while the ingest waits for the title:
as soon as a chunk is being encoded by a worker other than the job's holder,
that worker's whole process group is killed (its ffmpeg with it). The title
must still end ready with exactly one published revision; the ingest's own
wait checks the first, ``chunk_kill_problems`` the second.
"""

import os
import threading

import psycopg
from cluster import Cluster, log, wait_until

TRANSCODE_WORKERS = ("transcode", "transcode2")
HELPER_CHUNK = (
    "SELECT c.worker FROM catalog_videochunk c JOIN catalog_video v "
    "ON v.id = c.video_id WHERE c.state = 'running' AND c.worker <> '' "
    "AND c.worker <> v.worker ORDER BY c.heartbeat_at DESC LIMIT 1"
)


class ChunkKill:
    """Kills the helper worker mid-chunk, once, in a thread."""

    def __init__(self, cluster: Cluster, primary_url: str):
        self.cluster = cluster
        self.primary_url = primary_url
        self.killed: str | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "ChunkKill":
        self.thread.start()
        return self

    def _helper(self) -> str | None:
        with psycopg.connect(self.primary_url) as connection:
            row = connection.execute(HELPER_CHUNK).fetchone()
        if row is None:
            return None
        pid = int(row[0].rpartition(":")[2])
        for name in TRANSCODE_WORKERS:
            process = self.cluster.processes[name]
            try:
                if os.getpgid(pid) == process.pid:
                    return name
            except ProcessLookupError:
                return None
        return None

    def _run(self) -> None:
        try:
            name = wait_until(self._helper, "a chunk on the helper", timeout=240)
        except AssertionError:
            return
        self.cluster.kill(name)
        self.killed = name
        log(f"killed {name} mid-chunk (SIGKILL to its worker and ffmpeg)")

    def join(self) -> None:
        self.thread.join(timeout=5)


def chunk_kill_problems(primary_url: str, kill: ChunkKill) -> list[str]:
    """The helper was killed mid-chunk and the title has one published revision."""
    problems = []
    if kill.killed is None:
        problems.append("no transcode worker was caught encoding a chunk to kill")
    with psycopg.connect(primary_url) as connection:
        rows = connection.execute(
            "SELECT v.id, v.status, COUNT(DISTINCT r.revision) FROM catalog_video v "
            "LEFT JOIN catalog_rendition r ON r.video_id = v.id GROUP BY v.id"
        ).fetchall()
    for video_id, status, revisions in rows:
        if status != "ready" or revisions != 1:
            problems.append(
                f"video {video_id}: {status} with {revisions} published revisions"
            )
    return problems
