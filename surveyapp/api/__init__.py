"""The JSON API and the analysts' pages: one Router per audience, each declaring its guard once."""
