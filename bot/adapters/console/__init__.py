"""The terminal as a chat platform: the adapter that prints, its transcript, the lines a person
types, and how messages look as text."""
