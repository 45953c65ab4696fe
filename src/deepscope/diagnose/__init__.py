"""Diagnosis: detectors that find what is wrong with a run and say how to fix it."""
