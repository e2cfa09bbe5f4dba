"""Quizzes: the lessons' practice questions as data, scored per student."""
