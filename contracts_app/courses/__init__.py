"""Courses: the catalogue of courses, their dated prices and the price calculation."""
