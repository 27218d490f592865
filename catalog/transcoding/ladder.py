"""Choosing the rungs of the ladder for one source.

Rungs are named by the picture's short side (so a portrait phone video gets the
same quality steps as a landscape one) and are never taller than the source.
Every rung has even dimensions, square pixels and exactly the same aspect
ratio, which DASH requires of the representations players switch between: a
16:9 "480p" rung is therefore 864x486, the nearest size that is all three.
The aspect ratio is the source's, approximated by a fraction with a small
denominator (at most 0.4 % off) so that such sizes exist.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings

from .probe import Probe

STANDARD_RATES = (23.976, 24.0, 25.0, 29.97, 30.0, 48.0, 50.0, 59.94, 60.0)
ASPECT_MAX_DENOMINATOR = 16


@dataclass(frozen=True)
class Rung:
    width: int
    height: int
    video_kbps: int
    label: str  # the configured step it stands for, e.g. "480p"

    @property
    def name(self) -> str:
        return self.label

    @property
    def maxrate_kbps(self) -> int:
        return round(self.video_kbps * 1.07)

    @property
    def bufsize_kbps(self) -> int:
        return round(self.video_kbps * 1.5)


def _even(value: float) -> int:
    return max(2, int(round(value / 2.0)) * 2)


def _kbps_for(short_side: int, rungs: list[tuple[int, int]]) -> int:
    """Bitrate for a size between configured rungs: interpolated between its neighbours."""
    below = [rung for rung in rungs if rung[0] <= short_side]
    above = [rung for rung in rungs if rung[0] >= short_side]
    if below and above:
        (low_side, low_kbps), (high_side, high_kbps) = max(below), min(above)
        if high_side == low_side:
            return low_kbps
        share = (short_side - low_side) / (high_side - low_side)
        return round(low_kbps + share * (high_kbps - low_kbps))
    side, kbps = min(above) if above else max(below)
    return max(100, round(kbps * (short_side / side) ** 2))


def _sizes(aspect: Fraction, target: int, limit: int) -> tuple[int, int] | None:
    """(short, long) nearest ``target`` with the exact aspect, even, short <= limit."""
    long_unit, short_unit = aspect.numerator, aspect.denominator
    step = 1 if (long_unit % 2 == 0 and short_unit % 2 == 0) else 2
    best = None
    for k in range(step, limit // short_unit + 1, step):
        short, long = short_unit * k, long_unit * k
        if short % 2 or long % 2:
            continue
        if best is None or abs(short - target) < abs(best[0] - target):
            best = (short, long)
    return best


def ladder_for(probe: Probe, rungs: list[tuple[int, int]] | None = None) -> list[Rung]:
    """The rungs to encode for ``probe``, tallest first; at least one."""
    configured = sorted(rungs or settings.TRANSCODE_LADDER, reverse=True)
    landscape = probe.width >= probe.height
    short_side, long_side = sorted((max(probe.width, 2), max(probe.height, 2)))
    aspect = Fraction(long_side, short_side).limit_denominator(ASPECT_MAX_DENOMINATOR)

    steps = [
        (side, kbps, f"{side}p") for side, kbps in configured if side <= short_side
    ]
    taller = [side for side, _ in configured if side > short_side]
    if not steps or (taller and _even(short_side) not in {s for s, _, _ in steps}):
        # The source falls between rungs (or under all of them): keep its own size.
        own = _even(short_side) if short_side >= 2 else 2
        if own > short_side:
            own -= 2
        steps.insert(0, (own, _kbps_for(own, configured), f"{own}p"))

    ladder: list[Rung] = []
    seen = set()
    for side, kbps, label in steps:
        sizes = _sizes(aspect, side, short_side)
        if sizes is None:
            continue
        short, long = sizes
        if short in seen:
            continue
        seen.add(short)
        width, height = (long, short) if landscape else (short, long)
        ladder.append(Rung(width=width, height=height, video_kbps=kbps, label=label))
    if not ladder:
        # Too small for an exact aspect at even sizes: one rung, so nothing to match.
        own = max(2, short_side - short_side % 2)
        other = _even(own * long_side / short_side)
        width, height = (other, own) if landscape else (own, other)
        kbps = _kbps_for(own, configured)
        ladder.append(
            Rung(width=width, height=height, video_kbps=kbps, label=f"{own}p")
        )
    return ladder


def output_frame_rate(probe: Probe) -> float:
    """The constant frame rate to encode at: the source's, capped, snapped to a standard."""
    rate = min(probe.frame_rate or 25.0, float(settings.TRANSCODE_MAX_FPS))
    closest = min(STANDARD_RATES, key=lambda standard: abs(standard - rate))
    if abs(closest - rate) < 0.01:
        return closest
    return round(max(rate, 1.0), 3)
