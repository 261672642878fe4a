"""The recommendation tracker: action plans, evidence and progress against published recommendations."""

__version__ = "0.1.0"
