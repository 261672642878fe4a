"""Independent assessments by the inspectorates, and their internal comments."""
