"""Which tracks a source's audio streams become: role, name and channel layouts.

Every audio stream is kept. The source's dispositions say which ones describe
the picture (``visual_impaired`` or ``descriptions``): those are audio
descriptions. The main track is the stream flagged ``default`` among the
others, else the first of them; the rest are dubs. A source whose only streams
are flagged as descriptions has nothing else to hear: its first one is main.

Editors have the last word (``with_editors``): their overrides of a source
track's role, name or language apply, and the tracks they added (dubs and
descriptions in files of their own) join the list; one main track remains.
"""

from dataclasses import dataclass, replace

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
    added_id: int | None = None  # an AddedAudioTrack's pk: its own file, not the source

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
        layouts = _layouts(stream.channels)
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


def _layouts(channels: int) -> tuple[int, ...]:
    return (STEREO, SURROUND) if channels >= SURROUND else (STEREO,)


def with_editors(tracks: list[TrackPlan], *, overrides, added) -> list[TrackPlan]:
    """``tracks`` with the editors' overrides applied and added tracks after them.

    An editor's main wins over the source's; without any main the first track
    that is not a description becomes it, so each group has one default.
    """
    by_position = {override.position: override for override in overrides}
    chosen = set()
    planned = []
    for track in tracks:
        override = by_position.get(track.position)
        if override is not None:
            track = replace(
                track,
                role=override.role or track.role,
                name=override.name or track.name,
                language=override.language or track.language,
            )
            if override.role == AudioTrack.Role.MAIN:
                chosen.add(track.position)
        planned.append(track)
    planned += [
        TrackPlan(
            position=extra.position,
            stream_index=extra.stream_index,
            language=extra.language,
            name=extra.name,
            role=extra.role,
            layouts=_layouts(extra.channels),
            added_id=extra.pk,
        )
        for extra in added
    ]
    mains = [t for t in planned if t.role == AudioTrack.Role.MAIN]
    keep = next((t for t in mains if t.position in chosen), mains[0] if mains else None)
    if keep is None:
        keep = next((t for t in planned if not t.is_description), None)
    result, seen = [], {}
    for track in planned:
        if track is keep:
            track = replace(track, role=AudioTrack.Role.MAIN)
        elif track.role == AudioTrack.Role.MAIN:
            track = replace(track, role=AudioTrack.Role.DUB)
        name = track.name
        seen[name.casefold()] = count = seen.get(name.casefold(), 0) + 1
        if count > 1:
            track = replace(track, name=f"{name} ({count})")
        result.append(track)
    return result
