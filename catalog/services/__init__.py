"""Every write to the catalog: titles and credits, and video assets.

One module per job: editors' writes to titles (``titles``), videos
(``videos``), sources fetched from a location (``video_ingest``) and their
text tracks (``text_tracks``); the transcode worker's
lease on a job (``video_lease``); beat's upkeep (``video_upkeep``).
"""

from .audio_tracks import (
    added_audio_check,
    audio_override_check,
    audio_track_add,
    audio_track_override,
    audio_track_remove,
)
from .text_tracks import text_track_add, text_track_remove, text_track_update
from .titles import (
    person_rename,
    person_titles_search_refresh_queue,
    title_people_names,
    title_publish,
    title_search_refresh,
    title_unpublish,
)
from .video_ingest import video_source_ingest, video_source_location_check
from .video_lease import LeaseLost, video_abandon_revision, video_claim, video_fail
from .video_upkeep import video_revisions_cleanup, video_transcode_reap
from .videos import (
    video_attach,
    video_attach_check,
    video_create,
    video_retranscode,
    video_source_attach,
    video_source_check,
    video_tracks_republish,
)

__all__ = [
    "added_audio_check",
    "audio_override_check",
    "audio_track_add",
    "audio_track_override",
    "audio_track_remove",
    "LeaseLost",
    "person_rename",
    "person_titles_search_refresh_queue",
    "text_track_add",
    "text_track_remove",
    "text_track_update",
    "title_people_names",
    "title_publish",
    "title_search_refresh",
    "title_unpublish",
    "video_abandon_revision",
    "video_attach",
    "video_attach_check",
    "video_claim",
    "video_create",
    "video_fail",
    "video_retranscode",
    "video_revisions_cleanup",
    "video_source_attach",
    "video_source_check",
    "video_source_ingest",
    "video_source_location_check",
    "video_tracks_republish",
    "video_transcode_reap",
]
