"""A suite of small PyTorch training programs, buggy and correct, to measure deepscope's diagnosis.

Each program trains for a few seconds on CPU under ``run.watch`` and is registered with the
category of its bug (or ``"correct"``). ``run.py`` runs them, diagnoses each run and scores the
findings against the labels: recall, top-1 category accuracy, false alarms.
"""
