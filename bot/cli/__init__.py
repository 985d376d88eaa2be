"""The ``studybot`` command line: the outermost layer; nothing inside ``bot`` imports it."""
