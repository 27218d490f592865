"""Direct, resumable uploads of video sources (catalog.services.uploads)."""

from vod.settings.env import env, env_int

# Parts are this big (the last one smaller); a file too big for 10,000 of them
# gets bigger parts. S3 refuses parts under 5 MiB but the last.
UPLOAD_PART_SIZE = max(env_int("UPLOAD_PART_SIZE", 64 * 1024**2), 5 * 1024**2)
# A signed part URL works this long after it was asked for.
UPLOAD_PART_URL_SECONDS = env_int("UPLOAD_PART_URL_SECONDS", 900)
# An upload not completed this long after it was created is aborted by beat
# (and by the bucket's lifecycle rule in deploy/terraform), its parts deleted.
UPLOAD_EXPIRY_HOURS = env_int("UPLOAD_EXPIRY_HOURS", 24)
# The S3 endpoint clients reach, when it differs from the one the servers use
# (AWS_S3_ENDPOINT_URL): part URLs are signed for it.
AWS_S3_PUBLIC_ENDPOINT_URL = env("AWS_S3_PUBLIC_ENDPOINT_URL")
