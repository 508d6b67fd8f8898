"""The survey's own rules: wave state, submissions, return codes, channels, sources, the process's resources."""
