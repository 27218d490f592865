"""Every write to the catalog: titles and credits, and video assets."""

from .titles import (
    person_rename,
    person_titles_search_refresh_queue,
    title_people_names,
    title_publish,
    title_search_refresh,
    title_unpublish,
)
from .videos import (
    LeaseLost,
    text_track_add,
    video_abandon_revision,
    video_attach,
    video_claim,
    video_create,
    video_fail,
    video_retranscode,
    video_revisions_cleanup,
    video_source_attach,
    video_transcode_reap,
)

__all__ = [
    "LeaseLost",
    "video_abandon_revision",
    "video_attach",
    "video_claim",
    "person_rename",
    "person_titles_search_refresh_queue",
    "text_track_add",
    "title_people_names",
    "title_publish",
    "title_search_refresh",
    "title_unpublish",
    "video_create",
    "video_fail",
    "video_retranscode",
    "video_revisions_cleanup",
    "video_source_attach",
    "video_transcode_reap",
]
