"""The published revision's file names, as the pipeline writes and delivery reads them."""

from fnmatch import fnmatchcase

from catalog.transcoding import layout


def test_a_text_tracks_names_round_trip():
    playlist = layout.text_track_playlist("pt-BR", "captions")
    assert playlist == "subs/pt-BR-captions.m3u8"
    assert layout.text_track_file(playlist) == "subs/pt-BR-captions.vtt"
    assert layout.text_track_kind(playlist) == "captions"


def test_representation_patterns_match_only_that_rungs_segments():
    init, media = layout.representation_files(1)
    assert init == "init-1.m4s"
    assert fnmatchcase("seg-1-00042.m4s", media)
    assert not fnmatchcase("seg-10-00042.m4s", media)
    assert not fnmatchcase("seg-1-000042.m4s", media)
