"""HTTP plumbing every route shares: security headers, CSRF, media types, rate limits, log safety, serving."""
