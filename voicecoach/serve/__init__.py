"""`voicecoach serve`: a built programme's folder over HTTP, for a phone on the network.

`app` builds the aiohttp application and runs it; `published` reads what the folder has
published (and renders the feed and page once per change); `hosts` decides which Host a
request may name and the secret path; `http` answers ranges, If-Range and revalidation as
HTTP says; `connections` closes slow and idle connections and counts refusals.
"""
