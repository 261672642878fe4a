"""What every page shares: templates, security headers, errors, the database session and health."""
