"""Which tracks a source's audio streams become: role, name and channel layouts.

Every audio stream is kept. The source's dispositions say which ones describe
the picture (``visual_impaired`` or ``descriptions``): those are audio
descriptions. The main track is the stream flagged ``default`` among the
others, else the first of them; the rest are dubs. A source whose only streams
are flagged as descriptions has nothing else to hear: its first one is main.
"""

from dataclasses import dataclass

from ..models import AudioTrack
from .languages import UNDETERMINED, language_name
from .probe import AudioStream

STEREO = 2
SURROUND = 6  # 5.1


@dataclass(frozen=True)
class TrackPlan:
    position: int  # among the source's audio streams, from 0
    stream_index: int  # among all its streams: ffmpeg's ``-map 0:<index>``
    language: str
    name: str
    role: str  # AudioTrack.Role
    layouts: tuple[int, ...]  # channels of each rendition: stereo, then 5.1

    @property
    def is_description(self) -> bool:
        return self.role == AudioTrack.Role.DESCRIPTION


def _role(stream: AudioStream, main: AudioStream | None) -> str:
    if stream is main:
        return AudioTrack.Role.MAIN
    if stream.description:
        return AudioTrack.Role.DESCRIPTION
    return AudioTrack.Role.DUB


def _name(stream: AudioStream, role: str, position: int) -> str:
    if stream.title:
        return stream.title
    if stream.language == UNDETERMINED:
        name = "Main" if role == AudioTrack.Role.MAIN else f"Track {position + 1}"
    else:
        name = language_name(stream.language)
    if role == AudioTrack.Role.DESCRIPTION:
        return f"{name} (audio description)"
    return name


def tracks_for(streams: tuple[AudioStream, ...] | list[AudioStream]) -> list[TrackPlan]:
    """One TrackPlan per audio stream, in the source's order; names unique."""
    heard = [s for s in streams if not s.description] or list(streams[:1])
    main = next((s for s in heard if s.default), heard[0] if heard else None)
    plans, seen = [], {}
    for position, stream in enumerate(streams):
        role = _role(stream, main)
        name = _name(stream, role, position)
        seen[name.casefold()] = count = seen.get(name.casefold(), 0) + 1
        if count > 1:
            name = f"{name} ({count})"
        layouts = (STEREO, SURROUND) if stream.channels >= SURROUND else (STEREO,)
        plans.append(
            TrackPlan(
                position=position,
                stream_index=stream.index,
                language=stream.language,
                name=name,
                role=role,
                layouts=layouts,
            )
        )
    return plans


def main_track(tracks: list[TrackPlan]) -> TrackPlan | None:
    return next((t for t in tracks if t.role == AudioTrack.Role.MAIN), None)
