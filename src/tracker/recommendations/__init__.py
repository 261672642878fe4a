"""Recommendation sets (reports) and their numbered recommendations, loaded from data files."""
