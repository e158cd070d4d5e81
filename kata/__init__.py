"""Support code that make check, the graded suites and the grader share."""
