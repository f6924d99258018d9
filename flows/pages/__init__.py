"""Page objects: one per screen, the only place that knows roles, names and Swedish words."""
