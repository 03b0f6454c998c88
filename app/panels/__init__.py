"""Docks and tabs around the canvas: properties, problems, statistics, test."""
