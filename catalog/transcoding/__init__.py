"""The ingest and transcoding pipeline: see pipeline.py for the order of things."""
