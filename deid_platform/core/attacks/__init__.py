"""Attacks on what a hospital shares (the synthetic text and the NER model trained on it) and the
baselines every privacy figure is read against: the same figure for real notes no model saw."""
