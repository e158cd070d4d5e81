"""Grading a class: the sandbox and the guard its children run behind, the packages for a class
(the student copy, Gradescope), the class report and its similarity check. They build on
kata.core; grader.py at the top is the instructor's entry point.
"""
