from .titles import Credit, Episode, Genre, Person, Season, Title
from .videos import Rendition, RevisionCleanup, TextTrack, Video

__all__ = [
    "Credit",
    "Episode",
    "Genre",
    "Person",
    "Rendition",
    "RevisionCleanup",
    "TextTrack",
    "Season",
    "Title",
    "Video",
]
