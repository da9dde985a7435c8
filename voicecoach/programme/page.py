"""index.html: one self-contained page with every session's player, chapters and values.

No network: the styles and the script are inline, the players' sources are relative, so
the page works from a file and from any static host.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from html import escape
from string import Template
from urllib.parse import quote

from voicecoach.language.saying import Words, words_for
from voicecoach.programme.plan import Programme
from voicecoach.programme.publish import (
    PODCAST_GUID_NAMESPACE,
    Record,
    describe_values,
    podcast_guid,
)
from voicecoach.routine.durations import format_length

# a small icon drawn inline, so the browser asks no server for /favicon.ico
_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<circle cx="8" cy="8" r="8" fill="#2a7"/><path d="M6 4.5v7l5.5-3.5z" fill="#fff"/></svg>'
)

_PAGE = Template("""<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="voicecoach">
<meta name="color-scheme" content="light dark">
<title>$title</title>
<link rel="icon" href="$icon">
<style>
:root { color-scheme: light dark; }
body { font: 16px/1.5 system-ui, sans-serif; max-width: 48rem; margin: 0 auto; padding: 1rem;
       color: #1a1a1a; background: #fafafa; }
h1 { margin-bottom: 0.2rem; }
section.session { border-top: 1px solid #ddd; padding: 0.8rem 0; }
section.session h2 { font-size: 1.1rem; margin: 0; }
.when { color: #555; font-size: 0.9rem; }
p.when { margin: 0.4rem 0; }
audio { width: 100%; min-height: 44px; margin: 0.4rem 0; }
img.cover { width: 160px; height: 160px; border-radius: 8px; }
ol.chapters { columns: 2; margin: 0; padding-left: 1.4rem; font-size: 0.9rem; }
p.when a { display: inline-block; min-height: 44px; line-height: 44px; text-decoration: none; }
p.when .link { white-space: nowrap; }
/* a flex box, not an inline block: the list's number sits beside a wrapped title's first
   line (an inline block's baseline is its last), and a line is 1.35, not 44px, tall */
ol.chapters a { display: flex; align-items: center; min-height: 44px; line-height: 1.35;
                text-decoration: none; }
section.session.done h2::after { content: " ✓ done"; color: #2a7; font-size: 0.9rem; }
section.session.next { background: rgba(80, 160, 255, 0.12); border-radius: 6px; }
.wide { overflow-x: auto; max-width: 100%; margin-top: 1rem; }
/* a shadow on the side where more of the table is, scrolled out of sight */
.wide.more-right { box-shadow: inset -14px 0 10px -10px rgba(0, 0, 0, 0.45); }
.wide.more-left { box-shadow: inset 14px 0 10px -10px rgba(0, 0, 0, 0.45); }
.wide.more-left.more-right { box-shadow: inset 14px 0 10px -10px rgba(0, 0, 0, 0.45),
                                         inset -14px 0 10px -10px rgba(0, 0, 0, 0.45); }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.4rem; text-align: left; white-space: nowrap; }
@media (prefers-color-scheme: dark) {
  body { color: #eee; background: #161616; } a { color: #8cf; }
  th, td, section.session { border-color: #444; } .when { color: #aaa; }
  .wide.more-right { box-shadow: inset -14px 0 10px -10px rgba(255, 255, 255, 0.4); }
  .wide.more-left { box-shadow: inset 14px 0 10px -10px rgba(255, 255, 255, 0.4); }
  .wide.more-left.more-right { box-shadow: inset 14px 0 10px -10px rgba(255, 255, 255, 0.4),
                                           inset -14px 0 10px -10px rgba(255, 255, 255, 0.4); }
}
</style>
</head>
<body data-programme="$identity">
$cover<h1>$title</h1>
<p>$description</p>
<p class="when">$summary</p>
<p class="when">$links</p>
$sessions
<h2 id="progression">$progression</h2>
<div class="wide">
<table>
<thead><tr><th>#</th>$columns$heads</tr></thead>
<tbody>
$rows
</tbody>
</table>
</div>
<script>
var players = Array.prototype.slice.call(document.querySelectorAll("audio"));
var programme = document.querySelector("h1").textContent;
var cover = document.querySelector("img.cover");
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
function chapterOf(player) {
  var links = document.querySelectorAll('a[data-player="' + player.id + '"]'), found = "";
  for (var i = 0; i < links.length; i++) {
    if (parseFloat(links[i].dataset.start) <= player.currentTime + 0.05) {
      found = links[i].dataset.title;
    }
  }
  return found;
}
function showOnLockScreen(player) {
  if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") return;
  var section = player.closest("section");
  navigator.mediaSession.metadata = new MediaMetadata({
    title: section.dataset.title + (chapterOf(player) ? " \u2013 " + chapterOf(player) : ""),
    artist: programme,
    album: programme,
    artwork: cover ? [{src: cover.src, sizes: "3000x3000", type: "image/jpeg"}] : []
  });
}
// progress is this programme's, wherever it is served from: every programme served at
// "/" shares location.pathname, not its identity
var key = "voicecoach:" + document.body.dataset.programme + ":";
var wide = document.querySelector(".wide");
function showWhereTableScrolls() {
  var left = wide.scrollLeft, more = wide.scrollWidth - wide.clientWidth - left;
  wide.classList.toggle("more-left", left > 1);
  wide.classList.toggle("more-right", more > 1);
}
wide.addEventListener("scroll", showWhereTableScrolls, {passive: true});
window.addEventListener("resize", showWhereTableScrolls);
showWhereTableScrolls();
function markNext() {
  var next = null;
  players.forEach(function (player) {
    var section = player.closest("section");
    var done = localStorage.getItem(key + section.id) === "done";
    section.classList.toggle("done", done);
    section.classList.remove("next");
    if (!done && next === null) next = section;
  });
  if (next) next.classList.add("next");
}
players.forEach(function (player) {
  // one session at a time: starting one pauses the others
  player.addEventListener("play", function () {
    players.forEach(function (other) { if (other !== player) other.pause(); });
    showOnLockScreen(player);
  });
  player.addEventListener("timeupdate", function () {
    var chapter = chapterOf(player);
    if (chapter !== player.dataset.chapter) {
      player.dataset.chapter = chapter;
      showOnLockScreen(player);
    }
  });
  // played to the end: marked done (kept in this browser), and the next one highlighted
  player.addEventListener("ended", function () {
    try { localStorage.setItem(key + player.closest("section").id, "done"); } catch (e) {}
    markNext();
  });
});
try { markNext(); } catch (e) {}
</script>
</body>
</html>
""")


def page(
    programme: Programme,
    records: Sequence[Record],
    *,
    calendar: bool,
    feed: bool,
    cover: str | None = None,
    identity: str | None = None,
) -> str:
    """The page's HTML; `identity` keys the runner's progress (see programme_identity)."""
    words = words_for(programme.language)
    names = list(dict.fromkeys(name for record in records for name in record.exercises))
    sessions = "\n".join(_session(record, words) for record in records)
    rows = "\n".join(_row(record, names, words) for record in records)
    total = sum(record.duration_ms for record in records)
    links = [("playlist.m3u8", "playlist")]
    links += [("calendar.ics", "calendar")] if calendar else []
    links += [("feed.xml", "podcast feed")] if feed else []
    return _PAGE.substitute(
        lang=escape(programme.language),
        progression=escape(words.text("programme", "Progression")),
        columns="".join(
            f"<th>{escape(words.text('programme', heading))}</th>"
            for heading in ("Week", "Day", "Date", "Length")
        ),
        title=escape(programme.title),
        identity=escape(identity or programme_identity(programme.title, programme.base_url)),
        icon=escape("data:image/svg+xml," + quote(_ICON)),
        description=escape(programme.description),
        summary=escape(_summary(programme, len(records), total, words)),
        # each "·" is bound to the link after it, so a line never ends with one
        links=" ".join(
            f'<span class="link">{"·&nbsp;" * (n > 0)}<a href="{href}">'
            f"{escape(words.text('programme', text))}</a></span>"
            for n, (href, text) in enumerate(links)
        ),
        cover=(
            f'<img class="cover" src="{escape(cover)}" alt="" width="160" height="160">'
            if cover
            else ""
        ),
        sessions=sessions,
        heads="".join(f"<th>{escape(name)}</th>" for name in names),
        rows=rows,
    )


def programme_identity(title: str, base_url: str | None) -> str:
    """The programme's own identity: its published feed's GUID, else a UUID of its title.

    Not the served address: every programme served at a port's "/" shares that.
    """
    if base_url:
        return podcast_guid(base_url.rstrip("/") + "/feed.xml")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, f"voicecoach:{title}"))


def _summary(programme: Programme, sessions: int, total_ms: int, words: Words) -> str:
    """ "8 weeks, 2 a week, 16 sessions, 1:23:00 in all", in the programme's language."""
    weeks, per_week = programme.weeks, programme.per_week
    return ", ".join(
        [
            words.counted("programme", ("{count} week", "{count} weeks"), weeks, count=weeks),
            words.counted(
                "programme", ("{count} a week", "{count} a week"), per_week, count=per_week
            ),
            words.counted(
                "programme", ("{count} session", "{count} sessions"), sessions, count=sessions
            ),
            words.text("programme", "{length} in all", length=format_length(total_ms)),
        ]
    )


def _session(record: Record, words: Words) -> str:
    player = f"player-{record.number}"
    date = f" · {words.short_date(record.date)}" if record.date else ""
    chapters = "\n".join(
        f'<li><a href="#{player}" data-player="{player}" data-start="{start / 1000:.3f}" '
        f'data-title="{escape(title)}">{escape(format_length(start))} {escape(title)}</a></li>'
        for title, start, _end in record.chapters
    )
    return (
        f'<section class="session" id="session-{record.number}" '
        f'data-title="{escape(record.title)}">\n'
        f"<h2>{record.number}. {escape(record.title)}</h2>\n"
        f'<div class="when">{escape(_as_player_shows(record.duration_ms))}{escape(date)}</div>\n'
        f'<audio id="{player}" controls preload="metadata" '
        f'src="{escape(record.file)}"></audio>\n'
        f'<ol class="chapters">\n{chapters}\n</ol>\n</section>'
    )


def _as_player_shows(ms: int) -> str:
    """A length as a browser's player shows it: whole seconds, cut, not rounded (9:06)."""
    return format_length(ms // 1000 * 1000)


def _row(record: Record, names: list[str], words: Words) -> str:
    cells = [
        str(record.number),
        str(record.week),
        str(record.day),
        record.date.isoformat() if record.date else "",
        format_length(record.duration_ms),
    ] + [
        describe_values(record.exercises[n], words) if n in record.exercises else "" for n in names
    ]
    return "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>"
