"""``studybot console``: reading what the person types, the simulated clock, the prompt loop."""
