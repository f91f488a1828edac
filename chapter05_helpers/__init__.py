"""Helpers for the Chapter 5 course."""
