"""Running studybot: settings read once, the composition root, the ticker, the clock choice."""
