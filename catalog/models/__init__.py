from .titles import Credit, Episode, Genre, Person, Season, Title
from .uploads import Upload
from .videos import AudioTrack, Rendition, RevisionCleanup, TextTrack, Video

__all__ = [
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
]
