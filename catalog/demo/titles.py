"""The demo titles: movies and series, with their facts and synopses."""

from typing import NamedTuple

from django.utils.text import slugify

from ..models import Title
from .data import text_lines


class DemoTitle(NamedTuple):
    name: str
    kind: str
    year: int
    runtime: int | None
    seasons: int
    genres: tuple[str, ...]
    maturity: int
    access: str
    synopsis: str
    # "featured", or "draft" / "scheduled" to show rules that hide a title.
    flag: str

    @property
    def slug(self) -> str:
        return slugify(self.name)


# One block per title: a header line, then the synopsis. The header reads
# name | kind | year | runtime in minutes (movie) or seasons (series) | genres |
# maturity | access level [| featured, draft or scheduled].
_TITLES = """
The Lantern Keeper's Daughter | movie | 2021 | 104 | drama family | 7 | free | featured
When her father's eyesight fails, twelve-year-old Wren takes over the last manned
lighthouse on a windswept northern island. A winter storm, a stranded trawler and a
stubborn grey seal test everything he taught her.

Quiet Orbit | movie | 2023 | 127 | sci-fi drama | 13 | premium | featured
Alone aboard a relay station beyond Neptune, a maintenance engineer starts receiving
messages stamped three days in the future. Each one asks her to repair something
that has not broken yet.

Harbour Lights Precinct | series | 2019 | 3 | crime drama | 16 | members | featured
A coastal police station with four officers and one working car covers a town where
everyone is related to a suspect. Detective Ida Farrow returns home after a scandal
and finds the tide hides more than driftwood.

Saltwater Ledger | movie | 2019 | 118 | crime drama | 16 | members
A harbour bookkeeper notices that the fishing cooperative's accounts balance a
little too perfectly. Her audit drags the port's oldest smuggling ring, and her own
brother, into daylight.

Marmalade Summer | movie | 2018 | 92 | comedy family | 0 | free
Two feuding grandmothers enter the village jam contest with recipes stolen from each
other. Their grandchildren must broker a truce before the judging tent collapses
under the weight of pride and preserves.

Letters to Vestmark | movie | 2016 | 111 | drama | 13 | members
A retired postman delivers a satchel of undelivered wartime letters to the families
of a mountain village. Every envelope he opens reopens an old quarrel, and one is
addressed to him.

Nine Floors Down | movie | 2022 | 98 | thriller | 16 | premium
A night-shift security guard is trapped in the sub-basement of a bank during a
blackout. Somebody else is down there too, and they brought a drill, a floor plan
and a grudge.

Beneath the Kelp Cathedral | movie | 2020 | 84 | documentary | 0 | free
Divers and marine biologists spend a year inside a giant kelp forest off a rugged
Pacific coast. Otters, urchins and storms decide whether the underwater woodland
survives.

Wedding at the Wrong Chapel | movie | 2017 | 101 | comedy | 13 | free
Two wedding parties book the same lakeside chapel on the same afternoon. The best
man of one falls for the bride's sister of the other, and the caterer quits.

Bramble and Bolt | movie | 2020 | 86 | animation family | 0 | free
A shy hedgehog and a clockwork robot with a rusty heart set out across the hedgerows
to find the inventor who wound him up. Foxes, floods and a fairground stand in their
way.

The Orchard Years | series | 2015 | 2 | drama family | 7 | members
Three generations run a failing apple orchard in a valley where the motorway is
coming. Harvests, weddings and one very old tractor carry the Farrow family through
the seasons.

Meridian Fold | movie | 2024 | 119 | sci-fi thriller | 16 | premium
A surveyor mapping a desert finds a line across which compasses spin and watches run
backwards. The government wants it buried; her daughter wants to step across.

Velvet Tariff | movie | 2014 | 124 | crime | 18 | premium
In a customs office on a busy border, an inspector with gambling debts starts waving
through crates of contraband silk. The smugglers are polite, punctual and impossible
to say no to.

Deep Field Station | series | 2022 | 2 | sci-fi thriller | 16 | premium
A research crew wintering in an Antarctic radio telescope picks up a pulse that
repeats their own conversations. Isolation, sabotage and frostbite follow.

Clockmakers of the High Valley | movie | 2019 | 78 | documentary | 0 | members
In a snowbound mountain valley, a handful of workshops still build watches by hand.
Apprentices, masters and one stubborn escapement reveal a craft measured in microns
and decades.

The Ferryman's Alibi | movie | 2018 | 107 | thriller crime | 16 | members
The only witness to a murder on a river ferry is the pilot, who swears he saw
nothing through the fog. A young lawyer has until the morning crossing to prove he
is lying.

Upstairs at the Pelican | series | 2021 | 3 | comedy | 13 | free
Four mismatched flatmates live above a seaside pub run by an ex-opera singer.
Karaoke nights, burst pipes and a parrot with opinions keep them from ever paying
the rent on time.

What the River Carried | movie | 2012 | 116 | drama | 16 | members
After a flood sweeps through a mill town, a carpenter finds a locked chest in the
silt. Returning it to its owner means confronting the family who ruined his father.

The Cloud Shepherd | movie | 2023 | 81 | animation family | 0 | free
High above the valleys, a girl herds woolly clouds from pasture to pasture so the
farms below get their rain. When a thunderhead runs away, she must follow it into
the storm country.

Night Shift at Platform Nine | movie | 2021 | 72 | documentary | 7 | free
Between midnight and dawn, cleaners, signallers and a station cat keep a vast
railway terminus alive. An intimate portrait of the people who work while a city
sleeps.

Wild Kitchens | series | 2023 | 1 | documentary | 0 | members
A travelling cook visits remote islands, deserts and glaciers to learn how people
feed themselves far from any supermarket. Foraging, fermenting and fire-pit baking
included.

Accidentally Ambassador | movie | 2022 | 97 | comedy | 13 | members
A hapless tour guide is mistaken for the new ambassador of a tiny alpine
principality. Charming a summit of world leaders is easy; keeping the real
ambassador locked in a cheese cellar is not.

Glass Harvest | movie | 2015 | 109 | sci-fi | 13 | members
On a terraformed moon, farmers grow crystal crops that sing at sunrise. A botanist
sent to fix a failing yield discovers the fields are communicating.

Moss and Marigold | series | 2020 | 2 | animation family | 0 | free
Two garden snails, one cautious and one reckless, explore the enormous wilderness
behind a cottage. Puddles are oceans, compost is a city, and the hedgehog next door
is a legend.

The Pawnbroker's Waltz | movie | 2013 | 113 | crime drama | 16 | premium
An elderly pawnbroker who once danced professionally is drawn into a jewel fence's
scheme by a pair of young thieves. He teaches them to waltz; they teach him to lie.

The Goat Who Ran for Mayor | movie | 2019 | 88 | comedy family | 0 | free
Fed up with the council, the children of a hill town enter a goat in the mayoral
election. Then the goat starts winning debates.

Static in the Wires | movie | 2017 | 102 | thriller | 18 | premium
A late-night radio host gets a caller who describes crimes an hour before they
happen. The police think the host is the accomplice.

The Verdict Room | series | 2024 | 1 | thriller crime | 16 | premium
Twelve jurors are sequestered in a rundown hotel for a notorious trial. One of them
has been paid, and another knows it.

Borrowed Winters | movie | 2020 | 106 | drama | 13 | members
A concert cellist caring for her father in a frozen lakeside town forms a trio with
a plumber and a schoolteacher. Rehearsals thaw more than their fingers.

The Last Typesetters | movie | 2016 | 69 | documentary | 0 | free
Lead type, ink and stubbornness keep a small letterpress shop printing posters,
wedding invitations and poetry. A meditation on craft and the beauty of imperfect
letters.

Ridgeback Observatory | series | 2018 | 2 | sci-fi drama | 13 | members
Astronomers at a remote mountain observatory juggle failing funding, marriages and a
comet that refuses to follow its orbit. Science, gossip and avalanches.

Overbooked at the Grand Albatross | movie | 2024 | 94 | comedy | 7 | free
A faded seaside hotel accidentally sells every room twice on the night of a royal
visit. The night porter improvises with a spare lighthouse, a yacht and a bouncy
castle.

Salt, Ice and Seven Dogs | movie | 2022 | 83 | documentary family | 7 | members
A musher and her seven sled dogs cross frozen salt flats and tundra on a thousand-
kilometre race. Blizzards, injuries and deep loyalty between a woman and her team.

The Understudy's Year | movie | 2023 | 112 | drama comedy | 13 | members
An understudy who has never once gone on stage gets her chance when the star of a
touring musical vanishes. She has one week to learn the role and find the star.

Tinker's Comet | movie | 2026 | 90 | animation sci-fi | 7 | free | draft
A junkyard inventor builds a rocket from washing machines to chase a comet that
crashed into her grandfather's field decades ago.

Second Sunrise | movie | 2026 | 121 | sci-fi thriller | 16 | premium | scheduled
When the sun rises twice over a coastal city, an emergency planner must decide
whether to evacuate millions on the word of a sleep-deprived physicist.
"""


def _parse_title(block: str) -> DemoTitle:
    header, *synopsis = text_lines(block)
    name, kind, year, length, genres, maturity, access, *flag = (
        part.strip() for part in header.split("|")
    )
    kind = Title.Kind(kind)
    return DemoTitle(
        name=name,
        kind=kind,
        year=int(year),
        runtime=int(length) if kind == Title.Kind.MOVIE else None,
        seasons=int(length) if kind == Title.Kind.SERIES else 0,
        genres=tuple(genres.split()),
        maturity=Title.Maturity(int(maturity)),
        access=Title.AccessLevel(access),
        synopsis=" ".join(synopsis),
        flag=flag[0] if flag else "",
    )


TITLES = [_parse_title(block) for block in _TITLES.strip().split("\n\n")]
