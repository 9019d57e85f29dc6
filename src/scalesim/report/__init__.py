"""Presenting results: terminal tables now; figures and HTML/Markdown reports as they are added."""
