# Playback sessions, progress and watchlists arrive with the viewers' issue.
