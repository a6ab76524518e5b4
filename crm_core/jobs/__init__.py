"""Jobs that run in the background with a page of their own: imports (`jobs.imports`)."""
