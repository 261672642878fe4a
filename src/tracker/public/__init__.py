"""The public site: pages, open data, feeds and caching, from published plans only."""
