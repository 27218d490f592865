"""HLS Content Steering over several CDN pathways, and playlists signed per URL.

With more than one pathway the session's master playlist names a steering
server (Django, ``views.session_steering``) and the pathway to start on, and
lists every variant once per pathway with its ``PATHWAY-ID``. Each pathway
has its own audio and subtitle rendition groups: a variant's renditions must
come from the same pathway, or a player steered away from a failing CDN would
keep fetching audio from it (HLS, section 7.2 "Content Steering"). The
steering manifest orders the pathway IDs, healthy ones first; it is fetched
again every ``TTL`` seconds, so a demoted CDN is left within a minute.

Signers whose grant is not inherited by relative URLs (CloudFront's query
string) get the session's media playlists rewritten here with every URI
absolute and signed: see ``cloudfront``.
"""

import posixpath
import re
from collections.abc import Callable, Iterable, Sequence

from . import manifests, stored
from .pathways import Pathway

_GROUP_ATTRIBUTE = re.compile(r'(?<=[:,])(GROUP-ID|AUDIO|SUBTITLES)="([^"]*)"')
_URI_ATTRIBUTE = re.compile(r'(?<=[:,])URI="([^"]*)"')
_STORYBOARD_CUE = re.compile(r"^([^\s#]+\.(?:jpg|jpeg|png|webp))(#\S*)?$")


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "%22") + '"'


def steered_master_text(
    master: stored.StoredMaster,
    rungs: Sequence[stored.Rung],
    *,
    pathways: Sequence[Pathway],
    url_for: Callable[[Pathway], Callable[[str], str]],
    steering_url: str,
    audio: Sequence[manifests.AudioEntry] | None = None,
) -> str:
    """The session's master playlist, once per pathway, with Content Steering.

    ``url_for(pathway)`` maps a stored name to its URL on that pathway.
    """
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        f"#EXT-X-CONTENT-STEERING:SERVER-URI={_quoted(steering_url)},"
        f"PATHWAY-ID={_quoted(pathways[0].name)}",
    ]
    for pathway in pathways:
        text = manifests.session_master_text(
            master, rungs, url=url_for(pathway), audio=audio
        )

        def group(match: re.Match, suffix: str = pathway.name) -> str:
            return f'{match.group(1)}="{match.group(2)}-{suffix}"'

        for line in text.splitlines()[3:]:  # the header is written once, above
            if line.startswith(("#EXT-X-MEDIA:", "#EXT-X-STREAM-INF:")):
                line = _GROUP_ATTRIBUTE.sub(group, line)
            if line.startswith("#EXT-X-STREAM-INF:"):
                line += f",PATHWAY-ID={_quoted(pathway.name)}"
            lines.append(line)
    return "\n".join(lines) + "\n"


def steering_manifest(pathways: Iterable[Pathway], *, reload_uri: str, ttl: int):
    """The steering manifest: pathway IDs, preferred first (never empty).

    The same list serves DASH players, which read SERVICE-LOCATION-PRIORITY.
    """
    names = [pathway.name for pathway in pathways]
    if not names:
        raise ValueError("A steering manifest needs at least one pathway.")
    return {
        "VERSION": 1,
        "TTL": ttl,
        "RELOAD-URI": reload_uri,
        "PATHWAY-PRIORITY": names,
        "SERVICE-LOCATION-PRIORITY": names,
    }


def signed_text(text: str, *, name: str, url: Callable[[str], str]) -> str:
    """A stored playlist (or storyboard track) ``name`` with every relative URI
    resolved next to it and mapped by ``url`` (to a signed, absolute URL)."""
    folder = posixpath.dirname(name)

    def resolve(uri: str) -> str:
        if "://" in uri or uri.startswith(("/", "data:")):
            return uri
        return url(posixpath.normpath(posixpath.join(folder, uri)))

    lines = []
    if name.endswith(".vtt"):
        for line in text.splitlines():
            match = _STORYBOARD_CUE.match(line.strip())
            if match:
                line = resolve(match.group(1)) + (match.group(2) or "")
            lines.append(line)
    else:
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("#"):
                line = _URI_ATTRIBUTE.sub(
                    lambda m: f"URI={_quoted(resolve(m.group(1)))}", line
                )
            elif stripped:
                line = resolve(stripped)
            lines.append(line)
    return "\n".join(lines) + "\n"
