"""What families wrote: masking comments, the starting codebook, theme suggestions, agreement and the coding page."""
