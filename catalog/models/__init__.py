from .titles import Credit, Episode, Genre, Person, Season, Title
from .videos import Rendition, Video

__all__ = [
    "Credit",
    "Episode",
    "Genre",
    "Person",
    "Rendition",
    "Season",
    "Title",
    "Video",
]
