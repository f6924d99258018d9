"""The bulk-grading robot ("betygsrobot"): CSV in, graded and locked groups, catalogues and a report out."""
