"""What goes out to families and the public (findings pages, summary, open data, feed), read from published releases."""
