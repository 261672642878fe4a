"""Action plans: an organisation's response to each recommendation, its actions and progress updates."""
