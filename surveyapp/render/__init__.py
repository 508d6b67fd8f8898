"""Results made into things to read: the board report, charts as SVG/PNG/PDF, posters, the tracker page, files."""
