"""Local development: the event builder shared with the tests, the local server, invoke, sample seeding."""
