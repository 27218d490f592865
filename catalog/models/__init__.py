from .audio import AddedAudioTrack, AudioTrackOverride
from .chunks import VideoChunk
from .titles import Credit, Episode, Genre, Person, Season, Title
from .uploads import Upload
from .videos import AudioTrack, Rendition, RevisionCleanup, TextTrack, Video

__all__ = [
    "AddedAudioTrack",
    "AudioTrackOverride",
    "AudioTrack",
    "Credit",
    "Episode",
    "Genre",
    "Person",
    "Rendition",
    "RevisionCleanup",
    "TextTrack",
    "Season",
    "Title",
    "Upload",
    "Video",
    "VideoChunk",
]
