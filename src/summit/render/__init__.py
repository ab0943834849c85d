"""What people look at: figures (matplotlib), the graph-drawing rules shared with the site, and
the site's data."""
