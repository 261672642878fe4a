"""People who sign in, their roles, sessions and passwords."""
