"""Every action on the data, once, one module per feature: the API's handlers and the CLI both call these."""
