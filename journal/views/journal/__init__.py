"""The patient's journal: sessions, reports, check-ins, readings, questionnaires, flags."""
