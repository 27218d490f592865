"""The manifests a session plays: the stored ones, cut to the plan and signed.

The pipeline stores one HLS master playlist (and, once published, one MPD) per
revision, with relative names. A session gets its own copies: only the rungs
its plan allows, every name turned into a signed URL. The stored ones are read
and cached by ``stored``.

Rungs are matched to their files by position: ffmpeg numbers representations
in the order of the ladder, which is the master's order, and names init and
media segments after that number (``layout.representation_files``). A rung is
listed once per audio group (``aac-2``, ``aac-6``); a plan's
``max_audio_channels`` decides which groups a session gets, and with them
which audio renditions its grant names (``layout.audio_files``).
"""

import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from xml.sax.saxutils import escape

from django.core.cache import cache

from catalog.transcoding import layout
from catalog.transcoding.manifest_format import (
    MPD_NS,
    AudioEntry,
    group_channels,
    master_playlist,
)

from .stored import MPD, PUBLISHED_CACHE_SECONDS, Rung, StoredMaster, read_text

_BASE_URL_MARK = "@@BASE_URL@@"
_SEGMENT_TEMPLATE = re.compile(r"<SegmentTemplate\b[^>]*>")
# A BaseURL holding a relative name (a text track's file), not the session's.
_RELATIVE_BASE_URL = re.compile(r"(<BaseURL>)(?!@@)([^<:]+)(</BaseURL>)")


def rungs_for_height(
    master: StoredMaster, max_height: int
) -> tuple[list[Rung], list[Rung]]:
    """(allowed, withheld): rungs up to ``max_height``; at least the lowest one."""
    allowed = [rung for rung in master.rungs if rung.lines <= max_height]
    if not allowed and master.rungs:
        allowed = [min(master.rungs, key=lambda rung: rung.lines)]
    withheld = [rung for rung in master.rungs if rung not in allowed]
    return allowed, withheld


def rungs_granted(
    master: StoredMaster, allow: Iterable[str], max_height: int | None = None
) -> tuple[list[Rung], list[Rung]]:
    """(allowed, withheld): the rungs whose playlists a grant's ``allow`` names
    (see ``granted_files``), so a manifest needs no more than the grant; with
    ``max_height`` (the session's now, which only goes down), none above it."""
    names = set(allow)
    allowed = [rung for rung in master.rungs if rung.variant.uri in names]
    if max_height is not None:
        by_height, _ = rungs_for_height(master, max_height)
        allowed = [rung for rung in allowed if rung in by_height]
    withheld = [rung for rung in master.rungs if rung not in allowed]
    return allowed, withheld


def audio_for_channels(master: StoredMaster, max_channels: int) -> list[AudioEntry]:
    """The audio renditions of the groups whose layout has at most
    ``max_channels`` (a plan's ``max_audio_channels``); at least the smallest."""
    groups = master.audio_groups
    allowed = [g for g in groups if group_channels(g) <= max_channels]
    if not allowed and groups:
        allowed = [min(groups, key=group_channels)]
    return [entry for entry in master.audio if entry.group in allowed]


def audio_granted(master: StoredMaster, allow: Iterable[str]) -> list[AudioEntry]:
    """The audio renditions of the groups a grant's ``allow`` names entirely."""
    names = set(allow)
    refused = {entry.group for entry in master.audio if entry.uri not in names}
    return [entry for entry in master.audio if entry.group not in refused]


def audio_withheld(master: StoredMaster, allowed: Iterable[AudioEntry]) -> set[str]:
    """The stems (the MPD's representation ids) of renditions not ``allowed``."""
    kept = {entry.uri for entry in allowed}
    return {
        posixpath.splitext(entry.uri)[0]
        for entry in master.audio
        if entry.uri not in kept
    }


def _audio_files(master: StoredMaster, entry: AudioEntry) -> list[str]:
    stem = posixpath.splitext(entry.uri)[0]
    if layout.audio_stem_parts(stem) is None:
        # A revision from before audio had its own runs: its one track was
        # ffmpeg's representation after the video rungs.
        return layout.representation_files(len(master.rungs))
    return layout.audio_files(stem)


def granted_files(
    master: StoredMaster,
    allowed: Iterable[Rung],
    audio: Iterable[AudioEntry] | None = None,
) -> tuple[str, ...]:
    """What a session with ``allowed`` rungs and ``audio`` renditions (default:
    stereo only) may fetch, as patterns under the revision's folder: those
    playlists, init and media segments, the text tracks, the artwork. Never a
    rung or a channel layout over the plan, nor the stored master and MPD (the
    session's own copies replace them)."""
    names = []
    for rung in allowed:
        names += [rung.variant.uri, *layout.representation_files(rung.index)]
    if audio is None:
        audio = audio_for_channels(master, 2)
    for entry in audio:
        names += [entry.uri, *_audio_files(master, entry)]
    for entry in master.text_tracks:
        names += [entry.uri, entry.vtt_uri]
    names += layout.ARTWORK
    return tuple(dict.fromkeys(names))


def session_master_text(
    master: StoredMaster,
    rungs: Iterable[Rung],
    *,
    url: Callable[[str], str],
    audio: Sequence[AudioEntry] | None = None,
) -> str:
    """The session's master playlist: ``rungs`` only, each once per group of
    ``audio`` (default: stereo only), each name mapped by ``url``."""
    if audio is None:
        audio = audio_for_channels(master, 2)
    groups = list(dict.fromkeys(entry.group for entry in audio)) or [None]
    rungs = list(rungs)
    variants = [
        variant
        for group in groups
        for rung in rungs
        if (variant := rung.with_group(group)) is not None
    ]
    return master_playlist(
        variants, audio=audio, text_tracks=master.text_tracks, uri=url
    )


def _mpd_without(mpd_xml: str, withheld_ids: set[str]) -> str:
    """The MPD without the withheld rungs (by representation id) and without
    the audio AdaptationSets whose representations are all withheld."""
    root = ET.fromstring(mpd_xml)  # noqa: S314 (our own pipeline wrote it)
    # Each representation's own names (init-1.m4s, not init-$RepresentationID$):
    # a query-string signature differs per rung, and is written on each.
    for representation in root.iter(f"{{{MPD_NS}}}Representation"):
        for template in representation.iter(f"{{{MPD_NS}}}SegmentTemplate"):
            for attribute in ("initialization", "media"):
                if value := template.get(attribute):
                    ident = representation.get("id", "")
                    template.set(attribute, value.replace("$RepresentationID$", ident))
    for period in root.iter(f"{{{MPD_NS}}}Period"):
        for adaptation in period.findall(f"{{{MPD_NS}}}AdaptationSet"):
            ids = {
                r.get("id") for r in adaptation.findall(f"{{{MPD_NS}}}Representation")
            }
            if adaptation.get("contentType") == "audio" and ids <= withheld_ids:
                period.remove(adaptation)
    for adaptation in root.iter(f"{{{MPD_NS}}}AdaptationSet"):
        if adaptation.get("contentType") != "video":
            continue
        kept = []
        for representation in adaptation.findall(f"{{{MPD_NS}}}Representation"):
            if representation.get("id") in withheld_ids:
                adaptation.remove(representation)
            else:
                kept.append(representation)
        for attribute in ("width", "height"):
            sizes = [int(r.get(attribute, "0")) for r in kept]
            name = f"max{attribute.title()}"
            if sizes and adaptation.get(name):
                adaptation.set(name, str(max(sizes)))
    for old in root.findall(f"{{{MPD_NS}}}BaseURL"):
        root.remove(old)
    children = list(root)
    position = sum(
        1 for child in children if child.tag == f"{{{MPD_NS}}}ProgramInformation"
    )
    base = ET.Element(f"{{{MPD_NS}}}BaseURL")
    base.text = _BASE_URL_MARK
    root.insert(position, base)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        root, encoding="unicode"
    )


_TEMPLATE_NUMBER = re.compile(r"\$Number(?:%0(\d)d)?\$")


def _sample_name(template_name: str) -> str:
    """A file a segment template names (its first number), to find its grant."""
    return _TEMPLATE_NUMBER.sub(
        lambda m: "0" * int(m.group(1)) if m.group(1) else "1", template_name
    )


def _with_query(match: re.Match, query: Callable[[str], str]) -> str:
    return re.sub(
        r'\b(initialization|media)="([^"]*)"',
        lambda m: f'{m.group(1)}="{m.group(2)}?{query(_sample_name(m.group(2)))}"',
        match.group(0),
    )


def _signed_by_query(template: str, query: Callable[[str], str]) -> str:
    """Every relative name in the MPD carrying its own signature, ``query(name)``
    (XML-escaped): the segment templates, and the text tracks' own BaseURLs."""
    template = _SEGMENT_TEMPLATE.sub(lambda m: _with_query(m, query), template)
    return _RELATIVE_BASE_URL.sub(
        lambda m: f"{m.group(1)}{m.group(2)}?{query(m.group(2))}{m.group(3)}",
        template,
    )


def session_mpd_text(
    prefix: str,
    withheld: Iterable[Rung],
    *,
    withheld_audio: Iterable[str] = (),
    base_url: str | None = None,
    base_urls: Sequence[tuple[str, str]] = (),
    query: Callable[[str], str] | None = None,
    steering_url: str | None = None,
):
    """The session's MPD: withheld rungs and audio renditions (their stems)
    removed, relative names resolved against
    ``base_url`` (the signed URL of the revision's folder); None if not stored.

    With several ``base_urls`` (service location, URL), one BaseURL each, and
    a ContentSteering element naming ``steering_url`` (DASH-IF Content
    Steering). ``query(name)`` is the signature in the query string of the
    stored file ``name``, which DASH players keep only where it is written: on
    every segment template (one per representation, as each rung has its own).
    """
    withheld_ids = {str(rung.index) for rung in withheld} | set(withheld_audio)
    key = f"playback:mpd:v3:{prefix}:{','.join(sorted(withheld_ids))}"
    template = cache.get(key)
    if template is None:
        text = read_text(prefix + MPD)
        if text is None:
            return None
        template = _mpd_without(text, withheld_ids)
        cache.set(key, template, timeout=PUBLISHED_CACHE_SECONDS)
    if query is not None:
        template = _signed_by_query(template, lambda name: escape(query(name)))
    if not base_urls:
        return template.replace(_BASE_URL_MARK, escape(base_url or ""))
    if len(base_urls) == 1:
        return template.replace(_BASE_URL_MARK, escape(base_urls[0][1]))
    elements = [
        f'<BaseURL serviceLocation="{escape(location)}">{escape(url)}</BaseURL>'
        for location, url in base_urls
    ]
    if steering_url:
        elements.append(
            f'<ContentSteering defaultServiceLocation="{escape(base_urls[0][0])}" '
            f'queryBeforeStart="false">{escape(steering_url)}</ContentSteering>'
        )
    return template.replace(
        f"<BaseURL>{_BASE_URL_MARK}</BaseURL>", "\n\t".join(elements)
    )
