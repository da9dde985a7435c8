"""index.html: one self-contained page with every session's player, chapters and values.

No network: the styles and the script are inline, the players' sources are relative, so
the page works from a file and from any static host.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from string import Template

from voicecoach.durations import format_length
from voicecoach.programme.model import Programme
from voicecoach.programme.publish import Record, describe_values

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="voicecoach">
<title>$title</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 48rem; margin: 0 auto; padding: 1rem;
       color: #1a1a1a; background: #fafafa; }
h1 { margin-bottom: 0.2rem; }
section.session { border-top: 1px solid #ddd; padding: 0.8rem 0; }
section.session h2 { font-size: 1.1rem; margin: 0; }
.when { color: #555; font-size: 0.9rem; }
audio { width: 100%; margin: 0.4rem 0; }
ol.chapters { columns: 2; margin: 0; padding-left: 1.4rem; font-size: 0.9rem; }
ol.chapters a { text-decoration: none; }
table { border-collapse: collapse; font-size: 0.85rem; margin-top: 1rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.4rem; text-align: left; }
@media (prefers-color-scheme: dark) {
  body { color: #eee; background: #161616; } a { color: #8cf; }
  th, td, section.session { border-color: #444; } .when { color: #aaa; }
}
</style>
</head>
<body>
<h1>$title</h1>
<p>$description</p>
<p class="when">$summary · <a href="playlist.m3u8">playlist</a>$extra_links</p>
$sessions
<h2 id="progression">Progression</h2>
<table>
<thead><tr><th>#</th><th>Week</th><th>Day</th><th>Date</th><th>Length</th>$heads</tr></thead>
<tbody>
$rows
</tbody>
</table>
<script>
// a chapter link moves its session's player to the chapter and plays from there
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-start]");
  if (!link) return;
  event.preventDefault();
  var player = document.getElementById(link.dataset.player);
  player.currentTime = parseFloat(link.dataset.start);
  var playing = player.play();
  if (playing && playing.catch) playing.catch(function () {});
});
</script>
</body>
</html>
""")


def page(programme: Programme, records: Sequence[Record], *, calendar: bool, feed: bool) -> str:
    """The page's HTML."""
    names = list(dict.fromkeys(name for record in records for name in record.exercises))
    sessions = "\n".join(_session(record) for record in records)
    rows = "\n".join(_row(record, names) for record in records)
    total = sum(record.duration_ms for record in records)
    extra = (' · <a href="calendar.ics">calendar</a>' if calendar else "") + (
        ' · <a href="feed.xml">podcast feed</a>' if feed else ""
    )
    return _PAGE.substitute(
        title=escape(programme.title),
        description=escape(programme.description),
        summary=escape(
            f"{programme.weeks} week{'s' * (programme.weeks != 1)}, {programme.per_week} "
            f"a week, {len(records)} sessions, {format_length(total)} in all"
        ),
        extra_links=extra,
        sessions=sessions,
        heads="".join(f"<th>{escape(name)}</th>" for name in names),
        rows=rows,
    )


def _session(record: Record) -> str:
    player = f"player-{record.number}"
    date = f" · {record.date:%a %d %b %Y}" if record.date else ""
    chapters = "\n".join(
        f'<li><a href="#{player}" data-player="{player}" data-start="{start / 1000:.3f}">'
        f"{escape(format_length(start))} {escape(title)}</a></li>"
        for title, start, _end in record.chapters
    )
    return (
        f'<section class="session" id="session-{record.number}">\n'
        f"<h2>{record.number}. {escape(record.title)}</h2>\n"
        f'<div class="when">{escape(format_length(record.duration_ms))}{escape(date)}</div>\n'
        f'<audio id="{player}" controls preload="metadata" '
        f'src="{escape(record.file)}"></audio>\n'
        f'<ol class="chapters">\n{chapters}\n</ol>\n</section>'
    )


def _row(record: Record, names: list[str]) -> str:
    cells = [
        str(record.number),
        str(record.week),
        str(record.day),
        record.date.isoformat() if record.date else "",
        format_length(record.duration_ms),
    ] + [describe_values(record.exercises[n]) if n in record.exercises else "" for n in names]
    return "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>"
