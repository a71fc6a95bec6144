"""The image core, pure: the grammar, the actions, the formats, the pipeline, limits and costs.
No HTTP, no AWS; nothing here imports from the service or the stores."""
