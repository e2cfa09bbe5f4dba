"""Diagnosis of failed tests: the catalog of typical mistakes and the matching of a student\x27s output to one."""
