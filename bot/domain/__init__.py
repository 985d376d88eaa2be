"""File formats and calendar arithmetic: syllabi, schedules, dated meetings. Pure Python plus
the parsing libraries; nothing here knows about chat platforms or the database."""
