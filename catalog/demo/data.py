"""The demo catalog's invented content: genres, people and word pools.

Everything is made up; any likeness to real films or people is accidental.
"""

from typing import NamedTuple


class DemoGenre(NamedTuple):
    slug: str
    name: str
    description: str
    position: int
    # The artwork blends between these two colours, so a genre's cards look related.
    palette: tuple[tuple[int, int, int], tuple[int, int, int]]


def text_lines(text: str) -> list[str]:
    """The non-blank lines of a block of text, stripped."""
    return [line.strip() for line in text.strip().splitlines() if line.strip()]


def _words(text: str) -> list[str]:
    return text.split()


_GENRES = [
    ("drama", "Drama", "Stories about people under pressure."),
    ("comedy", "Comedy", "Mishaps, misunderstandings and happy endings."),
    ("sci-fi", "Sci-Fi", "Other worlds, near futures and strange signals."),
    ("documentary", "Documentary", "True stories from near and far."),
    ("thriller", "Thriller", "Tension, secrets and ticking clocks."),
    ("animation", "Animation", "Drawn, modelled and stop-motion worlds."),
    ("family", "Family", "Something everyone on the sofa can enjoy."),
    ("crime", "Crime", "Heists, detectives and the cost of getting caught."),
]
_PALETTES = {
    "drama": ((72, 38, 60), (214, 120, 92)),
    "comedy": ((240, 170, 40), (232, 84, 96)),
    "sci-fi": ((12, 24, 70), (40, 190, 200)),
    "documentary": ((30, 70, 50), (190, 200, 140)),
    "thriller": ((10, 10, 16), (150, 20, 30)),
    "animation": ((90, 60, 200), (250, 140, 200)),
    "family": ((40, 140, 90), (250, 220, 110)),
    "crime": ((20, 30, 40), (190, 150, 70)),
}
GENRES = [
    DemoGenre(slug, name, description, (index + 1) * 10, _PALETTES[slug])
    for index, (slug, name, description) in enumerate(_GENRES)
]

PEOPLE = text_lines("""
    Maren Holloway
    Tobias Quell
    Ines Varga
    Desmond Achterberg
    Priya Ravendran
    Callum Okafor
    Lucía Montalbán
    Henrik Solberg
    Amara Nwosu-Blake
    Jonah Featherstone
    Selin Arkan
    Rafael Quintero
    Noor Haddad
    Otto Lindqvist
    Beatrix Calloway
    Kenji Moriyama
    Delphine Marchetti
    Wendell Ashgrove
    Yara Castellanos
    Felix Rademacher
    Soraya Kestrel
    Milo Dufresne
    Hana Kowalczyk
    Idris Penhallow
    Clementine Ruiz-Avery
    Anselm Grieve
    Tamsin Okonjo
    Leopold Vance
    Saoirse Delaney-Wu
    Bartholomew Cray
    Ottilie Fairbanks
    Mateo Villaseñor
    Rosalind Achebe-Hart
    Caspar Nightingale
    Elif Demirci
    Augustin Pelletier
    Winifred Osei
    Dmitri Valchek
    Freya Halvorsen
    Quentin Marlowe-Price
""")
# The first dozen direct and create; anyone may act.
DIRECTOR_COUNT = 12

BIOS = text_lines("""
    Began in regional theatre before moving to the screen.
    Known for quiet, precise performances and long takes.
    Trained as a cinematographer; now directs and writes.
    A former stand-up comedian with a taste for odd detail.
    Has worked across radio, theatre and television for two decades.
    Grew up on a farm and still writes in a converted barn.
""")

CHARACTERS = text_lines("""
    Wren Maddox
    Ida Farrow
    Tomas Reyne
    Hollis Grant
    Juno Pike
    Elias Marr
    Petra Lund
    Corin Vale
    Agnes Thorne
    Remy Castell
    Nell Brightwater
    Osric Hale
    Mina Sorrel
    Bram Kettering
    Lotte Aster
    Silas Crewe
    Dora Penn
    Vikram Sethi
    Maud Elwood
    Teodor Blanc
""")

EPISODE_ADJECTIVES = _words("""
    Long Borrowed Silent Crooked Last Northern Hollow Unlit Second Patient Restless
    Paper Copper Bitter Brief Quiet
""")
EPISODE_NOUNS = _words("""
    Lighthouse Inventory Blackout Reunion Harvest Tide Alibi Crossing Wager Signal
    Inheritance Fog Audit Thaw Ceremony Detour Frequency Lullaby Archive Compass
    Ember Tenant Eclipse Confession Picnic Rehearsal Storm Map
""")
EPISODE_PATTERNS = text_lines("""
    The {noun}
    {adj} {noun}
    The {adj} {noun}
    What the {noun} Knew
    {first}'s {noun}
    {first} and the {noun}
""")
EPISODE_EVENTS = text_lines("""
    {char} returns with a sealed envelope
    a stranger from the mainland asks too many questions
    {char} finds an old map under the floorboards
    a power cut leaves everyone in the dark
    {char} calls an emergency meeting
    an anonymous gift arrives on the doorstep
    {char} refuses to leave until the truth comes out
    a bet between friends gets badly out of hand
    the annual festival goes ahead despite the weather
    {char} uncovers a forgotten photograph
""")
EPISODE_TWISTS = text_lines("""
    and the whole town takes sides
    but the timing could not be worse
    forcing an uneasy alliance
    just as the deadline arrives
    which changes everything for {first}
    while a storm rolls in from the west
""")
EPISODE_SUBPLOTS = text_lines("""
    {char} tries to learn a new skill in secret
    {char} hides a costly mistake
    {char} plans a surprise that nobody wants
    {char} patches up an old rivalry
    {char} gets an unexpected job offer
    {char} keeps a promise at great inconvenience
""")
SEASON_HOOKS = text_lines("""
    old loyalties are tested by a newcomer
    a secret from the early days finally surfaces
    everything changes after one long winter
    a rival arrives with deep pockets and a plan
""")
