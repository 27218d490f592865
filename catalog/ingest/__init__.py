"""Ingest from where the master already is: an S3 bucket or an https:// URL.

``locations`` checks what an editor gives (before anything is queued, and again
on every redirect a worker follows); ``s3_copy`` has S3 copy an object into the
video's source key; ``url_fetch`` streams a URL into stored ``parts`` that a
retry resumes from; ``run`` is the worker's job, on the transcode's lease.
"""
