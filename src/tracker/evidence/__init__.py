"""Evidence behind a response: uploaded files, links and notes, each with a visibility."""
